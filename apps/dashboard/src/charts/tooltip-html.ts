// Chart tooltips are HTML: ECharts sets a formatter's return value as innerHTML. Axis values,
// axis names, metric keys and run names come from the user's configs and logs, so a value such as
// `<img src=x onerror=...>` would run as script. ECharts escapes its default tooltips (series
// names, values, axis values) with format.encodeHTML; our own formatters use the same function,
// through this tag, so there is one escape for everything a chart shows as HTML.
import { format } from 'echarts/core';

/** The text as HTML that shows it literally (& < > " ' escaped). */
export const escapeHtml: (text: string) => string = format.encodeHTML;

/**
 * A tooltip's HTML: the template's literal parts are markup (`<br/>`), every interpolated value is
 * text and is escaped, so a formatter cannot forget to escape one of them.
 */
export function tooltipHtml(markup: TemplateStringsArray, ...values: Array<string | number | undefined>): string {
  return markup.reduce((html, part, i) => html + escapeHtml(String(values[i - 1])) + part);
}
