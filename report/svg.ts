/**
 * Server-side chart rendering: a Vega-Lite specification is compiled to Vega
 * (`vega-lite` `compile`), run headless (`vega` `View` with renderer `none`) and
 * serialised with `view.toSVG()`, so the report needs no client-side script.
 *
 * vega 5.33 and vega-lite 5.23 are used because both ship CommonJS builds
 * (`vega/build/vega-node.js`, `vega-lite/build/vega-lite.js`) that this
 * CommonJS project can `require` under `node` and jest alike; vega 6 and
 * vega-lite 6 are ESM-only. See https://vega.github.io/vega/usage/#node.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** A chart that Vega-Lite or Vega could not compile or render; `chart` names it. */
export class ChartRenderError extends Error {
  constructor(readonly chart: string, options: { cause: unknown }) {
    super(`chart ${JSON.stringify(chart)}: Vega-Lite → Vega → SVG failed: ${options.cause instanceof Error ? options.cause.message : String(options.cause)}`, options);
    this.name = 'ChartRenderError';
  }
}

/**
 * A Vega / Vega-Lite logger that keeps warnings and errors instead of printing
 * them, so a chart that Vega-Lite had to fix up or Vega could not scale fails
 * loudly rather than rendering wrong.
 */
class CollectingLogger implements vega.LoggerInterface {
  readonly messages: string[] = [];
  private current = vega.Warn;

  level(): number;
  level(level: number): this;
  level(level?: number): number | this {
    if (level === undefined) return this.current;
    this.current = level;
    return this;
  }

  error(...args: readonly unknown[]): this {
    this.messages.push(args.map(String).join(' '));
    return this;
  }

  warn(...args: readonly unknown[]): this {
    return this.error(...args);
  }

  info(): this {
    return this;
  }

  debug(): this {
    return this;
  }
}

/** The SVG namespace declarations that inline SVG in HTML does not need (the HTML parser sets them). */
const NAMESPACE_ATTRIBUTES = / xmlns(:xlink)?="[^"]*"/g;
/** Fragment identifiers in Vega's SVG: clip-path and gradient definitions and their uses. */
const FRAGMENT_IDS = /(id="|url\(#|href="#)([^")]+)/g;

/**
 * Makes one chart's SVG safe to inline beside others: drops the namespace
 * declarations and renames its fragment ids (`clip7`, numbered by a
 * process-wide counter in Vega) to `<chartId>-1`, `<chartId>-2`, … in order of
 * appearance, so ids never collide between charts and the same chart always
 * renders to the same text.
 */
export function inlineSvg(svg: string, chartId: string): string {
  const ids = new Map<string, string>();
  return svg.replace(NAMESPACE_ATTRIBUTES, '').replace(FRAGMENT_IDS, (_, head: string, id: string) => {
    let renamed = ids.get(id);
    if (renamed === undefined) ids.set(id, (renamed = `${chartId}-${ids.size + 1}`));
    return head + renamed;
  });
}

/**
 * Renders a Vega-Lite specification to an inline SVG element string.
 * @param spec a self-contained Vega-Lite 5 specification (inline `data.values`, no URLs).
 * @param chartId a short id unique in the page, e.g. `roc`; prefixes the SVG's fragment ids.
 * @returns `<svg …>…</svg>` with explicit width, height and viewBox, in pixels.
 * @throws ChartRenderError naming the chart when compilation or rendering fails or either library warns.
 */
export async function renderSvg(spec: TopLevelSpec, chartId: string): Promise<string> {
  const logger = new CollectingLogger();
  let view: vega.View | undefined;
  let svg: string;
  try {
    view = new vega.View(vega.parse(compile(spec, { logger }).spec), { renderer: 'none', logger });
    svg = await view.toSVG();
  } catch (cause) {
    throw new ChartRenderError(chartId, { cause });
  } finally {
    view?.finalize();
  }
  if (logger.messages.length > 0) throw new ChartRenderError(chartId, { cause: `warnings: ${logger.messages.join('; ')}` });
  return inlineSvg(svg, chartId);
}
