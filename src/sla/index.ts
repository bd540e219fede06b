export { createSlaScheduler, type SlaScheduler, type SlaSchedulerOptions } from './scheduler.ts';
export {
  evolveSla,
  foldSla,
  timersOf,
  dueEvents,
  clocksAt,
  initialSlaState,
  type SlaSettings,
  type SlaState,
  type LevelPolicy,
  type SlaTimer,
  type ClockView,
} from './clock.ts';
export { slaSettingsFrom } from './settings.ts';
export { businessMsBetween, addBusinessMs, type BusinessCalendar } from './calendar.ts';
