// The inline stylesheet and script of every HTML page (one file, no network at view time).
// Private to ladder::report.
#pragma once

namespace ladder::report::html {

inline constexpr const char* kStyle = R"CSS(
:root{--ok:#1b7f3b;--fail:#c62828;--miss:#8d6e63;--warn:#b26a00;--ink:#222;--mute:#777;--line:#ddd}
*{box-sizing:border-box}
body{margin:0;font:13px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:#fff}
header{padding:10px 16px;border-bottom:1px solid var(--line);background:#fafafa}
h1{font-size:18px;margin:0 0 4px}
h2{font-size:15px;margin:16px 0 6px}
.verdict{display:inline-block;padding:1px 8px;border-radius:3px;color:#fff;font-weight:600;margin-right:8px}
.verdict.passed{background:var(--ok)}.verdict.failed{background:var(--fail)}
.sub{color:var(--mute)}
ul.fails{margin:6px 0;padding-left:18px}ul.fails li{margin:2px 0}
ul.fails li.root{font-weight:600;color:var(--fail)}
ul.fails li.warn{color:var(--warn)}
details{margin:4px 0}
main{display:flex;align-items:flex-start}
#ladder{flex:1 1 auto;overflow:auto;padding:0 8px 40px}
#panel{flex:0 0 38%;position:sticky;top:0;max-height:100vh;overflow:auto;border-left:1px solid var(--line);padding:8px 12px;background:#fcfcfc}
#panel h3{font-size:14px;margin:4px 0}
.lanes{position:sticky;top:0;background:#fff;z-index:1;border-bottom:1px solid var(--line)}
svg text{font:12px system-ui,sans-serif}
svg .lane{stroke:#bbb;stroke-width:1}
svg .title{font-weight:600;text-anchor:middle}
svg .addr{fill:var(--mute);font-size:11px;text-anchor:middle}
svg .cap{fill:var(--mute);font-size:11px;text-anchor:middle;font-style:italic}
svg .time{fill:var(--mute);font:11px ui-monospace,monospace}
svg .lbl{text-anchor:middle}
svg g.row{cursor:pointer}
svg g.row>rect:first-child{fill:transparent;width:100%;height:26px}
svg g.row>text{fill:var(--mute);font:11px ui-monospace,monospace}
svg g.msg>text,svg g.step>text{text-anchor:middle}
svg text.badge{text-anchor:start;font:700 10px system-ui,sans-serif}
svg g.row:hover>rect:first-child{fill:#f3f6fb}
svg g.row.sel>rect:first-child{fill:#e3ecfa}
svg g.row.div>rect:first-child{fill:#fde7e7}
svg g.row.div.sel>rect:first-child{fill:#fbd3d3}
svg g.row.div rect.mark{fill:var(--fail)}
svg g.step path{stroke-width:1.6}
svg g.step.passed text{fill:var(--ok)}svg g.step.passed path{fill:var(--ok);stroke:var(--ok)}
svg g.step.failed text{fill:var(--fail);font-weight:600}svg g.step.failed path{fill:var(--fail);stroke:var(--fail)}
svg g.step.missing text{fill:var(--fail);font-weight:600}svg g.step.missing path{fill:var(--fail);stroke:var(--fail);stroke-dasharray:4 3}
svg g.step.skipped text{fill:#999}svg g.step.skipped path{fill:#bbb;stroke:#bbb;stroke-dasharray:2 3}
svg g.msg path{stroke-width:1.6}
svg .d0 path{stroke:#1f5fbf;fill:#1f5fbf}svg .d0 text{fill:#1f5fbf}
svg .d1 path{stroke:#b8570b;fill:#b8570b}svg .d1 text{fill:#b8570b}
svg .d2 path{stroke:#6a3fb0;fill:#6a3fb0}svg .d2 text{fill:#6a3fb0}
svg .d3 path{stroke:#0f7f7f;fill:#0f7f7f}svg .d3 text{fill:#0f7f7f}
svg .d4 path{stroke:#a3286f;fill:#a3286f}svg .d4 text{fill:#a3286f}
svg .d5 path{stroke:#5b6b00;fill:#5b6b00}svg .d5 text{fill:#5b6b00}
svg .d6 path{stroke:#7a4b2a;fill:#7a4b2a}svg .d6 text{fill:#7a4b2a}
svg .d7 path{stroke:#2f4f6f;fill:#2f4f6f}svg .d7 text{fill:#2f4f6f}
svg g.msg.bad>text{font-weight:700;text-decoration:underline}
svg .badge.waived{fill:var(--warn)}svg .badge.fail{fill:var(--fail)}svg .badge.rtx{fill:#555}
svg .note rect{fill:#fff8d6;stroke:#d8c56a}svg .note text{font-size:11px}
table.exp{border-collapse:collapse;width:100%;margin:6px 0}
table.exp td,table.exp th{border:1px solid var(--line);padding:2px 5px;vertical-align:top;text-align:left;font-size:12px}
table.exp td.ok{color:var(--ok)}table.exp td.fail{color:var(--fail);font-weight:600}
table.exp code{white-space:pre-wrap;word-break:break-all}
pre.raw{background:#f6f6f6;border:1px solid var(--line);padding:6px;white-space:pre-wrap;word-break:break-all;font:12px/1.35 ui-monospace,monospace}
.pd{display:none}
table.idx{border-collapse:collapse;margin:12px 16px}
table.idx td,table.idx th{border-bottom:1px solid var(--line);padding:4px 10px;text-align:left}
table.idx td.passed{color:var(--ok);font-weight:600}table.idx td.failed{color:var(--fail);font-weight:600}
.plots{display:flex;flex-wrap:wrap;gap:12px;padding:0 16px}
.plot{border:1px solid var(--line);padding:6px}
.plot rect.bar{fill:#4a78c2}
section{padding:0 16px}
)CSS";

// The page's behaviour: a click on a ladder row shows its panel; on load the first divergence is
// selected and scrolled to. With #selftest in the address, the page also checks itself (what
// the browser test asserts) and writes the result as JSON into <pre id="selftest">.
inline constexpr const char* kScript = R"JS(
(function () {
  'use strict';
  var errors = [];
  window.addEventListener('error', function (e) { errors.push(String(e.message)); });
  var body = document.getElementById('panel-body');
  function show(row) {
    var old = document.querySelectorAll('g.row.sel');
    for (var i = 0; i < old.length; i++) old[i].classList.remove('sel');
    row.classList.add('sel');
    var p = document.getElementById('p' + row.getAttribute('data-r'));
    if (body) body.innerHTML = p ? p.innerHTML : '';
  }
  document.addEventListener('click', function (e) {
    var row = e.target.closest ? e.target.closest('g.row') : null;
    if (row) show(row);
  });
  var div = document.querySelector('g.row.div');
  if (div) {
    div.scrollIntoView({block: 'center'});
    show(div);
  }
  if (location.hash !== '#selftest') return;
  var out = {errors: errors, ladders: []};
  var svgs = document.querySelectorAll('svg.ladder');
  for (var s = 0; s < svgs.length; s++) {
    var svg = svgs[s];
    var arrows = svg.querySelectorAll('g.msg');
    var carried = 0;
    for (var a = 0; a < arrows.length; a++) carried += Number(arrows[a].getAttribute('data-n') || 1);
    var hl = svg.querySelectorAll('g.row.div');
    var l = {
      messages: Number(svg.getAttribute('data-messages')),
      arrows: arrows.length,
      carried: carried,
      steps: svg.querySelectorAll('g.step').length,
      highlighted: hl.length,
      highlighted_frame: hl.length ? hl[0].getAttribute('data-frame') : null,
      highlighted_step: hl.length ? hl[0].getAttribute('data-step') : null
    };
    if (hl.length) {
      var box = hl[0].getBoundingClientRect();
      l.in_view = box.top >= 0 && box.bottom <= window.innerHeight;
      var target = hl[0].querySelector('g.msg') || hl[0].querySelector('g.step');
      target.dispatchEvent(new MouseEvent('click', {bubbles: true}));
      var raw = body ? body.querySelector('pre.raw') : null;
      l.panel_raw = raw ? raw.textContent : null;
      l.panel_text = body ? body.textContent.slice(0, 4000) : null;
      l.selected = document.querySelectorAll('g.row.sel').length;
    }
    out.ladders.push(l);
  }
  var rows = document.querySelectorAll('table.idx tbody tr');
  out.index_rows = rows.length;
  out.plots = document.querySelectorAll('svg.hist').length;
  void document.body.offsetHeight;  // style and layout of the whole page, before the clock is read
  out.load_ms = Math.round(performance.now());  // navigation start to here: parse, layout, script
  var pre = document.createElement('pre');
  pre.id = 'selftest';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
)JS";

}  // namespace ladder::report::html
