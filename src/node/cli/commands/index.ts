import type { CommandName } from '../args'
import type { Command } from '../context'
import { compose } from './compose'
import { batch } from './batch'
import { doctor } from './doctor'
import { fake } from './fake'
import { credits, deleteJob, status } from './jobs'
import { probe } from './probe'
import { remove } from './remove'
import { resume } from './resume'
import { wait } from './wait'

export const COMMAND_HANDLERS: Record<CommandName, Command> = {
  remove,
  compose,
  batch,
  probe,
  resume,
  wait,
  credits,
  status,
  delete: deleteJob,
  doctor,
  fake,
}
