export { createSlaScheduler, type SlaScheduler, type SlaSchedulerOptions } from './scheduler.ts';
export {
  evolveSla,
  foldSla,
  timersOf,
  dueEvents,
  initialSlaState,
  type SlaSettings,
  type SlaState,
  type LevelPolicy,
  type SlaTimer,
} from './clock.ts';
export { slaSettingsFrom } from './settings.ts';
export { businessMsBetween, addBusinessMs, type BusinessCalendar } from './calendar.ts';
export { replaceTimers } from './timers.ts';
