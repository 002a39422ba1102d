import type { CommandName } from '../args'
import type { Command } from '../context'
import { doctor } from './doctor'
import { fake } from './fake'
import { credits, deleteJob, status } from './jobs'
import { remove } from './remove'
import { wait } from './wait'

export const COMMAND_HANDLERS: Record<CommandName, Command> = { remove, wait, credits, status, delete: deleteJob, doctor, fake }
