import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

import { isolatedPoints, type Series } from './chart-series.ts';

const PALETTE = ['#3b82f6', '#f97316', '#10b981', '#e11d48', '#8b5cf6', '#eab308', '#06b6d4', '#64748b'];

/**
 * A time-series line chart (uPlot, canvas): `times` in seconds, one line per series. It takes
 * the text colour of the page, so it reads in light and dark, and follows its box's width.
 */
export function TimeChart(props: {
  title: string;
  times: number[];
  series: Series[];
  format?: (value: number) => string;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const ink = getComputedStyle(element).color;
    const grid = getComputedStyle(element).getPropertyValue('--grid').trim() || 'rgba(128,128,128,0.2)';
    const axis = (values?: (u: uPlot, splits: number[]) => string[]) => ({
      size: 64,
      stroke: ink,
      grid: { stroke: grid, width: 1 },
      ticks: { stroke: grid, width: 1 },
      ...(values ? { values } : {}),
    });
    const format = props.format;
    const chart = new uPlot(
      {
        width: element.clientWidth || 300,
        height: 180,
        legend: { show: props.series.length > 1 },
        cursor: { drag: { x: false, y: false } },
        scales: { y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
        axes: [axis(), axis(format ? (_u, splits) => splits.map(format) : undefined)],
        series: [
          {},
          ...props.series.map((line, n) => ({
            label: line.label,
            stroke: PALETTE[n % PALETTE.length]!,
            width: 2,
            spanGaps: false,
            // A value between two gaps makes no line: it is a dot, not nothing.
            points: {
              show: false,
              size: 6,
              fill: PALETTE[n % PALETTE.length]!,
              filter: (u: uPlot, index: number) => isolatedPoints(u.data[index]!),
            },
            ...(format ? { value: (_u: uPlot, v: number | null) => (v === null ? '–' : format(v)) } : {}),
          })),
        ],
      },
      [props.times, ...props.series.map((line) => line.values)],
      element,
    );
    const resize = new ResizeObserver(() =>
      chart.setSize({ width: element.clientWidth || 300, height: 180 }),
    );
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [props.times, props.series, props.format]);
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <div ref={box} class="chart-box" role="img" aria-label={`${props.title} over time`} />
    </figure>
  );
}
