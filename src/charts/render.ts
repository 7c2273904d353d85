/**
 * Renders a Vega-Lite chart to SVG (Vega, in Node, no browser) and to PNG (resvg, a Rust renderer
 * shipped as an npm binary). Vega and Vega-Lite are ESM-only, hence the dynamic imports.
 */
export interface RenderedChart {
  svg: string;
  png: Buffer;
}

export async function renderChart(spec: Record<string, unknown>): Promise<RenderedChart> {
  const [vega, vegaLite, { Resvg }] = await Promise.all([
    import('vega'),
    import('vega-lite'),
    import('@resvg/resvg-js'),
  ]);
  const compiled = vegaLite.compile(spec as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: 2 },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  })
    .render()
    .asPng();
  return { svg, png };
}
