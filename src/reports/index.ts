export { buildReport, defaultMinutesPerTicket, type ReportOptions } from './build.ts';
export { formatReport, type Report } from './format.ts';
export { stackedBarsSvg, volumeSvg } from './svg.ts';
