// distlab run picture: draws the space-time diagram of the run embedded in
// #run-data into the SVG #view, only the steps in sight, again on every
// scroll or zoom. No network, no libraries. Classes match the static SVG
// export (lane, arrow, drop, mark, fault, span, partition, failure).
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("run-data").textContent);
  var G = D.geometry;
  G.head = 6; // the page's header holds the title and legend the SVG export draws above the axis
  var scroller = document.getElementById("scroller");
  var spacer = document.getElementById("spacer");
  var view = document.getElementById("view");
  var details = document.getElementById("details");
  var status = document.getElementById("status");
  var first = D.steps.length ? D.steps[0][0] : 1;
  var lastStep = D.steps.length ? D.steps[D.steps.length - 1][0] : 0;
  var col = G.col;
  var selected = null;

  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;")
      .replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }
  function time(ns) {
    if (ns === 0 || ns >= 1e9) return trim(ns / 1e9) + "s";
    if (ns >= 1e6) return trim(ns / 1e6) + "ms";
    if (ns >= 1e3) return trim(ns / 1e3) + "µs";
    return ns + "ns";
  }
  function trim(x) { return String(Math.floor(x * 1000) / 1000); }
  function at(step) {
    var s = D.steps[step - first];
    return s && s[0] === step ? s : null;
  }
  function kind(s) { return D.kinds[s[2]]; }
  function lane(i) { return i >= 0 ? D.lanes[i] : null; }
  function describe(s) {
    var a = lane(s[3]), b = lane(s[4]), place = "";
    if (a && b) place = " " + a + "→" + b;
    else if (b) place = " at " + b;
    else if (a) place = " from " + a;
    return "step " + s[0] + " · " + time(s[1]) + " · " + kind(s) + place + ": " + D.labels[s[5]];
  }
  function color(k) { return D.colors[k] || D.colors.other; }
  function x(step, lo) { return G.left + (step - lo) * col + col / 2; }
  function y(l) { return G.head + G.axis + l * G.lane + G.lane / 2; }
  function range() {
    var w = scroller.clientWidth;
    var lo = Math.max(first, first + Math.floor(scroller.scrollLeft / col));
    var n = Math.max(1, Math.ceil((w - G.left - G.right) / col));
    return [lo, Math.min(lastStep, lo + n - 1), w];
  }

  function draw() {
    var r = range(), lo = r[0], hi = r[1], w = r[2];
    var top = G.head + G.axis, bottom = top + D.lanes.length * G.lane;
    var right = x(hi, lo) + col / 2;
    var o = [];
    view.setAttribute("width", w);
    view.setAttribute("height", bottom + 24);
    view.setAttribute("data-first", lo);
    view.setAttribute("data-last", hi);
    o.push('<defs>');
    ["deliver", "request", "drop-down"].forEach(function (k) {
      o.push('<marker id="head-' + k + '" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="' + color(k) + '"/></marker>');
    });
    o.push('<clipPath id="plot"><rect x="' + G.left + '" y="' + top + '" width="' + Math.max(0, right - G.left) + '" height="' + (bottom - top) + '"/></clipPath></defs>');
    var every = Math.max(1, Math.pow(10, Math.ceil(Math.log10(70 / col))));
    for (var t = Math.ceil(lo / every) * every; t <= hi; t += every) {
      var s = at(t), tx = x(t, lo);
      o.push('<line x1="' + tx + '" y1="' + top + '" x2="' + tx + '" y2="' + bottom + '" stroke="#edf2f7"/>');
      o.push('<text x="' + tx + '" y="' + (top - 5) + '" font-size="9" text-anchor="middle" fill="#718096">' + t + '</text>');
      if (s) o.push('<text x="' + tx + '" y="' + (bottom + 14) + '" font-size="9" text-anchor="middle" fill="#718096">' + time(s[1]) + '</text>');
    }
    function clip(a, b) { return a <= hi && b >= lo ? [Math.max(a, lo), Math.min(b, hi)] : null; }
    D.partitions.forEach(function (p) {
      var c = clip(p[0], p[1]);
      if (!c) return;
      p[2].forEach(function (g, l) {
        o.push('<rect class="partition" x="' + (x(c[0], lo) - col / 2) + '" y="' + (y(l) - G.lane / 2 + 2) + '" width="' + ((c[1] - c[0] + 1) * col) + '" height="' + (G.lane - 4) + '" fill="' + D.tints[g % D.tints.length] + '"><title>steps ' + p[0] + '–' + p[1] + ': partition group ' + g + '</title></rect>');
      });
    });
    D.spans.forEach(function (s) {
      var c = clip(s[1], s[2]);
      if (!c) return;
      o.push('<rect class="span ' + s[3] + '" x="' + (x(c[0], lo) - col / 2) + '" y="' + (y(s[0]) - 3) + '" width="' + ((c[1] - c[0] + 1) * col) + '" height="6" fill="' + color(s[3]) + '" opacity="0.7"><title>' + D.lanes[s[0]] + ' ' + s[3] + ' from step ' + s[1] + ' to step ' + s[2] + '</title></rect>');
    });
    if (D.failure && D.failure.step >= lo && D.failure.step <= hi) {
      o.push('<rect class="failure" data-step="' + D.failure.step + '" x="' + (x(D.failure.step, lo) - col / 2) + '" y="' + top + '" width="' + Math.max(col, 3) + '" height="' + (bottom - top) + '" fill="' + color("failure") + '" opacity="0.25"><title>check ' + esc(D.failure.check) + ' failed at step ' + D.failure.step + '</title></rect>');
    }
    if (selected !== null && selected >= lo && selected <= hi) {
      o.push('<rect class="selected" x="' + (x(selected, lo) - col / 2) + '" y="' + (top - 14) + '" width="' + Math.max(col, 2) + '" height="' + (bottom - top + 14) + '" fill="#f6e05e" opacity="0.45"/>');
    }
    D.lanes.forEach(function (name, l) {
      o.push('<g class="lane" data-lane="' + l + '"><line x1="' + G.left + '" y1="' + y(l) + '" x2="' + right + '" y2="' + y(l) + '" stroke="#a0aec0"/></g>');
    });
    var faults = [];
    for (var f = lo; f <= hi; f++) {
      var fm = at(f);
      // A control step at one lane (a lapsed client timeout) is a dot, not a line.
      if (fm && (kind(fm) === "fault" || (kind(fm) === "control" && fm[4] < 0))) faults.push(fm);
    }
    faults.forEach(function (m, i) {
      var fx = x(m[0], lo), next = i + 1 < faults.length ? x(faults[i + 1][0], lo) : right;
      var label = D.labels[m[5]], room = Math.floor((next - fx - 4) / 5.4);
      var text = label.length <= room ? label : room >= 3 ? label.slice(0, room - 1) + "…" : "";
      o.push('<g class="fault" data-step="' + m[0] + '"><line x1="' + fx + '" y1="' + (top - 2) + '" x2="' + fx + '" y2="' + bottom + '" stroke="' + color(kind(m)) + '" stroke-dasharray="3 2"/><text x="' + (fx + 2) + '" y="' + (top + 7) + '" font-size="9" fill="' + color(kind(m)) + '">' + esc(text) + '</text><title>' + esc(describe(m)) + '</title></g>');
    });
    o.push('<g clip-path="url(#plot)">');
    D.steps.forEach(function (m) {
      if (m[6] < 0 || m[3] < 0 || m[4] < 0 || m[6] > hi || m[0] < lo) return;
      var k = kind(m), head = k === "deliver" || k === "drop-down" ? k : "request";
      var x2 = x(m[0], lo), y2 = y(m[4]);
      o.push('<g class="arrow" data-step="' + m[0] + '"><line x1="' + x(m[6], lo) + '" y1="' + y(m[3]) + '" x2="' + x2 + '" y2="' + y2 + '" stroke="' + color(head) + '" stroke-width="1.2" marker-end="url(#head-' + head + ')"/>' + (k === "drop-down" ? '<text x="' + x2 + '" y="' + (y2 + 4) + '" text-anchor="middle" fill="' + color(k) + '">✗</text>' : '') + '<title>' + esc(describe(m)) + ' (sent at step ' + m[6] + ')</title></g>');
    });
    var glyphs = { timer: [4, "◆"], start: [4, "▲"], invoke: [3, "○"], "client-timeout": [4, "·"], held: [4, "‖"], resend: [3, "↻"], control: [4, "·"] };
    for (var st = lo; st <= hi; st++) {
      var m = at(st);
      if (!m) continue;
      var mx = x(st, lo);
      (m[7] || []).forEach(function (send) {
        var fate = D.fates[send[2]];
        if (fate !== "lost" && fate !== "partitioned") return;
        var y1 = y(send[0]), ye = y1 + Math.trunc((y(send[1]) - y1) * 2 / 5), xe = mx + Math.max(col, 8);
        o.push('<g class="drop" data-step="' + st + '"><line x1="' + mx + '" y1="' + y1 + '" x2="' + xe + '" y2="' + ye + '" stroke="' + color(fate) + '" stroke-dasharray="2 2"/><text x="' + xe + '" y="' + (ye + 4) + '" text-anchor="middle" fill="' + color(fate) + '">✗</text><title>step ' + st + ': message ' + D.lanes[send[0]] + '→' + D.lanes[send[1]] + ' ' + fate + '</title></g>');
      });
      var g = glyphs[kind(m)];
      if (!g) continue;
      var gl = kind(m) === "client-timeout" ? (m[4] >= 0 ? m[4] : m[3]) : m[g[0]];
      if (gl === undefined || gl < 0) continue;
      o.push('<text class="mark" data-step="' + st + '" x="' + mx + '" y="' + (y(gl) + 4) + '" text-anchor="middle" fill="' + color(kind(m)) + '">' + g[1] + '<title>' + esc(describe(m)) + '</title></text>');
    }
    o.push('</g>');
    o.push('<rect x="0" y="' + (top - 16) + '" width="' + G.left + '" height="' + (bottom - top + 16) + '" fill="#ffffff"/>');
    o.push('<text x="6" y="' + (top - 5) + '" font-size="9" fill="#718096">step</text>');
    D.lanes.forEach(function (name, l) {
      o.push('<text class="lane-name" data-lane="' + l + '" x="6" y="' + (y(l) + 4) + '">' + esc(name) + '</text>');
    });
    view.innerHTML = o.join("");
  }

  function summaries(step) {
    var best = D.snapshots[0];
    D.snapshots.forEach(function (s) { if (s[0] <= step) best = s; });
    return best;
  }
  function showStep(step) {
    var m = at(step);
    if (!m) { details.textContent = "no step " + step + " (steps " + first + "–" + lastStep + ")"; return; }
    var o = ['<h2>step ' + m[0] + ' · ' + time(m[1]) + ' · ' + esc(kind(m)) + '</h2>'];
    var a = lane(m[3]), b = lane(m[4]);
    if (a || b) o.push('<p>' + esc((a || "") + (a && b ? " → " : "") + (b || "")) + (m[6] >= 0 ? ' · sent at <a href="#step=' + m[6] + '">step ' + m[6] + '</a>' : '') + '</p>');
    o.push('<pre class="content">' + esc(D.labels[m[5]]) + '</pre>');
    if (m[7] && m[7].length) {
      o.push('<h3>sent</h3><ul>');
      m[7].forEach(function (s) { o.push('<li>' + esc(D.lanes[s[0]] + " → " + D.lanes[s[1]] + ": " + D.fates[s[2]]) + '</li>'); });
      o.push('</ul>');
    }
    if (m[8] && m[8].length) {
      o.push('<h3>logged</h3><ul>');
      m[8].forEach(function (l) { o.push('<li>' + esc(D.labels[l]) + '</li>'); });
      o.push('</ul>');
    }
    if (D.failure && D.failure.step === step) o.push('<p class="bad">✗ check ' + esc(D.failure.check) + ' failed here: ' + esc(D.failure.detail) + '</p>');
    var snap = summaries(step);
    o.push('<h3>nodes as of step ' + snap[0] + '</h3><ul>');
    snap[1].forEach(function (l, n) { o.push('<li><b>' + esc(D.lanes[n]) + '</b> ' + esc(D.labels[l]) + '</li>'); });
    o.push('</ul>');
    details.innerHTML = o.join("");
  }
  function showLane(l) {
    var step = selected !== null ? selected : range()[0];
    var snap = summaries(step);
    if (l >= D.nodes) { details.innerHTML = '<h2>client ' + esc(D.lanes[l]) + '</h2><p>Its operations are the ○ marks and grey arrows on its lane.</p>'; return; }
    details.innerHTML = '<h2>node ' + esc(D.lanes[l]) + ' as of step ' + snap[0] + '</h2><pre class="content">' + esc(D.labels[snap[1][l]]) + '</pre>';
  }
  function select(step, center) {
    step = Math.max(first, Math.min(lastStep, step));
    selected = step;
    if (center) scroller.scrollLeft = Math.max(0, (step - first) * col - (scroller.clientWidth - G.left) / 2);
    document.getElementById("jump").value = step;
    draw();
    showStep(step);
  }
  function zoom(factor) {
    var r = range(), mid = selected !== null && selected >= r[0] && selected <= r[1] ? selected : Math.round((r[0] + r[1]) / 2);
    col = Math.max(0.25, Math.min(40, col * factor));
    spacer.style.width = (G.left + (lastStep - first + 1) * col + G.right) + "px";
    scroller.scrollLeft = Math.max(0, (mid - first) * col - (scroller.clientWidth - G.left) / 2);
    draw();
  }
  function fromHash() {
    var z = /zoom=([0-9.]+)/.exec(location.hash);
    if (z) {
      col = Math.max(0.25, Math.min(40, G.col * parseFloat(z[1])));
      spacer.style.width = (G.left + (lastStep - first + 1) * col + G.right) + "px";
      draw();
    }
    var h = /step=(\d+)/.exec(location.hash);
    if (h) select(parseInt(h[1], 10), true);
  }

  spacer.style.width = (G.left + (lastStep - first + 1) * col + G.right) + "px";
  scroller.addEventListener("scroll", draw);
  window.addEventListener("resize", draw);
  window.addEventListener("hashchange", fromHash);
  view.addEventListener("click", function (e) {
    var t = e.target.closest("[data-step]"), n = e.target.closest("[data-lane]");
    if (t) select(parseInt(t.getAttribute("data-step"), 10), false);
    else if (n) showLane(parseInt(n.getAttribute("data-lane"), 10));
  });
  view.addEventListener("mousemove", function (e) {
    var t = e.target.closest("[data-step]");
    status.textContent = t ? describe(at(parseInt(t.getAttribute("data-step"), 10))) : "";
  });
  scroller.addEventListener("wheel", function (e) {
    if (!e.ctrlKey) return;
    e.preventDefault();
    zoom(e.deltaY < 0 ? 1.25 : 0.8);
  }, { passive: false });
  document.getElementById("zoom-in").onclick = function () { zoom(1.5); };
  document.getElementById("zoom-out").onclick = function () { zoom(1 / 1.5); };
  document.getElementById("go").onclick = function () { select(parseInt(document.getElementById("jump").value, 10) || first, true); };
  document.getElementById("jump").addEventListener("keydown", function (e) { if (e.key === "Enter") document.getElementById("go").click(); });
  var fail = document.getElementById("to-failure");
  if (fail) fail.onclick = function () { select(D.failure.step, true); };
  document.addEventListener("keydown", function (e) {
    if (e.target.tagName === "INPUT") return;
    if (e.key === "ArrowRight" && selected !== null) select(selected + 1, true);
    if (e.key === "ArrowLeft" && selected !== null) select(selected - 1, true);
    if (e.key === "+") zoom(1.5);
    if (e.key === "-") zoom(1 / 1.5);
  });
  draw();
  fromHash();
})();
