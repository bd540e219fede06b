import type { Config } from '../config/index.ts';
import type { SlaSettings } from './clock.ts';

/** The SLA policy from the configuration (docs/sla.md). */
export function slaSettingsFrom(
  config: Pick<
    Config,
    | 'SLA_POLICY'
    | 'SLA_WARNING_RATIO'
    | 'SLA_BUSINESS_START_HOUR'
    | 'SLA_BUSINESS_END_HOUR'
    | 'SLA_UTC_OFFSET_MINUTES'
    | 'AUTO_CLOSE_AFTER_HOURS'
  >,
): SlaSettings {
  return {
    levels: config.SLA_POLICY,
    warningRatio: config.SLA_WARNING_RATIO,
    calendar: {
      startHour: config.SLA_BUSINESS_START_HOUR,
      endHour: config.SLA_BUSINESS_END_HOUR,
      utcOffsetMinutes: config.SLA_UTC_OFFSET_MINUTES,
    },
    autoCloseAfterMs: config.AUTO_CLOSE_AFTER_HOURS * 3_600_000,
  };
}
