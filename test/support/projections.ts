import { loadConfig } from '../../src/config/index.ts';
import { slaSettingsFrom } from '../../src/sla/settings.ts';
import { createProjections } from '../../projections/index.ts';

/** Every read model with the default configuration, as the tests build them. */
export const projections = createProjections(slaSettingsFrom(loadConfig({})));
