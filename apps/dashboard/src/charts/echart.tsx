'use client';
// The one place the dashboard touches ECharts: mounts a chart, applies option updates (merging,
// so zoom and legend selections survive the periodic refresh), resizes with its box and disposes
// on unmount. `window.echarts` is exposed so a user (or a browser test) can inspect any chart:
// echarts.getInstanceByDom(element).getOption().
import type { EChartsOption } from 'echarts';
import { HeatmapChart, LineChart, ParallelChart, ScatterChart } from 'echarts/charts';
import {
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  ParallelComponent,
  TooltipComponent,
  VisualMapComponent,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef, useState } from 'react';

echarts.use([
  LineChart,
  HeatmapChart,
  ParallelChart,
  ScatterChart,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  DataZoomComponent,
  MarkLineComponent,
  ParallelComponent,
  VisualMapComponent,
  CanvasRenderer,
]);

declare global {
  interface Window {
    echarts?: typeof echarts;
  }
}

export function EChart({
  option,
  testId,
  className = 'chart',
  ariaLabel,
}: {
  option: EChartsOption;
  testId: string;
  className?: string;
  ariaLabel?: string;
}) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const [ready, setReady] = useState(false);

  useEffect(() => {
    const node = element.current;
    if (!node) return;
    window.echarts = echarts;
    const instance = echarts.init(node, undefined, { renderer: 'canvas' });
    chart.current = instance;
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(node);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    const instance = chart.current;
    if (!instance) return;
    // Series (and parallel axes) are replaced; the rest is merged so zoom and legend state stay.
    instance.setOption(option, { replaceMerge: ['series', 'parallelAxis'] });
    setReady(true);
  }, [option]);

  return (
    <div
      ref={element}
      className={className}
      data-testid={testId}
      data-ready={ready ? '1' : '0'}
      role="img"
      aria-label={ariaLabel}
    />
  );
}
