'use client';
// Client wrappers for the sweep page's charts: the data comes from the server as plain JSON, the
// ECharts option (with its formatter functions) is built here.
import { useMemo } from 'react';
import { EChart } from './echart';
import {
  type AxisLineData,
  axisLineOption,
  type HeatmapData,
  heatmapOption,
  type ParallelData,
  parallelOption,
} from './sweep-options';

export function HeatmapChart({ data }: { data: HeatmapData }) {
  const option = useMemo(() => heatmapOption(data), [data]);
  return <EChart option={option} testId="sweep-heatmap" className="chart tall" ariaLabel="heatmap" />;
}

export function AxisLineChart({ data }: { data: AxisLineData }) {
  const option = useMemo(() => axisLineOption(data), [data]);
  return <EChart option={option} testId="sweep-line" className="chart" ariaLabel="metric along one axis" />;
}

export function ParallelChart({ data }: { data: ParallelData }) {
  const option = useMemo(() => parallelOption(data), [data]);
  return <EChart option={option} testId="sweep-parallel" className="chart tall" ariaLabel="parallel coordinates" />;
}
