/** The report's own styles (diff2html brings its own for the diffs); system fonts only, nothing to fetch. */
export const REPORT_CSS = `
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg-soft: #f6f8fa; --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --accent: #0969da; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: #fff; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Liberation Sans", sans-serif; }
code, pre { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 12.5px; }
header.top { position: sticky; top: 0; z-index: 10; background: #fff; border-bottom: 1px solid var(--line); padding: 12px 24px 8px; }
header.top h1 { margin: 0 0 4px; font-size: 20px; }
header.top nav a { margin-right: 16px; color: var(--accent); text-decoration: none; }
header.top nav a:hover { text-decoration: underline; }
main { padding: 8px 24px 24px; max-width: 1600px; }
section { margin-top: 24px; }
section, article { scroll-margin-top: 96px; }
h2 { font-size: 18px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 16px; margin: 16px 0 8px; }
h4 { font-size: 14px; margin: 0 0 4px; }
.meta, .empty { color: var(--muted); }
.next { margin: 0 0 6px; color: var(--muted); }
.ok { color: var(--ok); font-weight: 600; }
.bad { color: var(--bad); font-weight: 600; }
.warn { color: var(--warn); }
q { quotes: "\\201C" "\\201D"; }
pre.text { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--bg-soft); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; margin: 6px 0; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; overflow-wrap: break-word; }
th { background: var(--bg-soft); font-weight: 600; white-space: nowrap; }
td code { overflow-wrap: anywhere; }
td:first-child > code, td:first-child > a > code { white-space: nowrap; }
tr.failed td { background: #fff5f5; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: break-word; min-width: 0; }
dl.small { font-size: 13px; }
dl.facts ul, ul.errors, ul.files { margin: 0; padding-left: 18px; }
.badge { display: inline-block; white-space: nowrap; border-radius: 12px; padding: 0 10px; font-size: 12px; font-weight: 600; vertical-align: middle; background: #eaeef2; color: var(--fg); }
.state-approved, .state-completed { background: #dafbe1; color: var(--ok); }
.state-rejected, .state-invalid, .state-plan-invalid, .state-plan-rejected { background: #ffebe9; color: var(--bad); }
.state-awaiting-review, .state-plan-pending-approval { background: #fff8c5; color: var(--warn); }
.state-ready, .state-executing { background: #ddf4ff; color: var(--accent); }
.task-card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
.summary { font-size: 15px; }
article.patch { border: 1px solid var(--line); border-left: 6px solid #afb8c1; border-radius: 6px; padding: 4px 16px 12px; margin: 16px 0; }
article.patch.approved { border-left-color: var(--ok); }
.banner { border-radius: 6px; padding: 6px 10px; margin: 6px 0; font-weight: 600; }
.banner.approved { background: #dafbe1; color: var(--ok); }
.banner.rejected { background: #ffebe9; color: var(--bad); }
.banner.pending { background: #fff8c5; color: var(--warn); }
.validation { border-radius: 6px; padding: 6px 10px; margin: 6px 0; background: var(--bg-soft); }
.validation.ok strong { color: var(--ok); }
.validation.bad strong { color: var(--bad); }
details { margin: 6px 0; }
summary { cursor: pointer; color: var(--accent); }
.before-after { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
.diff { margin-top: 8px; }
table.audit td:first-child, table.audit td:nth-child(2) { white-space: nowrap; }
footer { border-top: 1px solid var(--line); color: var(--muted); padding: 12px 24px; margin-top: 24px; }
`;
