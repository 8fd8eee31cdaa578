// Hash routes (`#/chart/AAPL/1m`): the gateway serves only `/` and `/assets/*`, so views
// live in the fragment.

export interface Route {
  view: string;
  params: string[];
}

export function parseRoute(hash: string): Route {
  const parts = hash
    .replace(/^#\/?/, "")
    .split("/")
    .filter((p) => p.length > 0)
    .map((p) => decodeURIComponent(p));
  return { view: parts[0] ?? "", params: parts.slice(1) };
}

export function href(view: string, ...params: string[]): string {
  return `#/${[view, ...params].map((p) => encodeURIComponent(p)).join("/")}`;
}

export function navigate(view: string, ...params: string[]): void {
  const target = href(view, ...params);
  if (location.hash !== target) location.hash = target;
}

/** Changes the route without adding a history entry (a view refining its own route). */
export function replaceRoute(view: string, ...params: string[]): void {
  history.replaceState(null, "", href(view, ...params));
}

export function onRouteChange(listener: (route: Route) => void): void {
  window.addEventListener("hashchange", () => listener(parseRoute(location.hash)));
}
