export { initPage, section, seedParam, nextFrame, el } from './page.ts';
export type { RunContext, Section } from './page.ts';
export { Chart } from './chart.ts';
export type { ChartOptions, SeriesSpec } from './chart.ts';
export { Heatmap } from './heatmap.ts';
export type { Point } from './heatmap.ts';
export { math, prose, codePanel } from './content.ts';
export { selectControl, numberControl, button } from './controls.ts';
export type { Marker } from './markers.ts';
