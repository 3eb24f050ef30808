// odaudit site: sorting and filtering of long tables. Optional: every page reads without it.
(function () {
  "use strict";
  function cellValue(row, i, numeric) {
    var cell = row.cells[i];
    if (!cell) { return numeric ? -Infinity : ""; }
    var v = cell.getAttribute("data-v");
    if (numeric) { var x = parseFloat(v !== null ? v : cell.textContent); return isNaN(x) ? -Infinity : x; }
    return (v !== null ? v : cell.textContent).trim();
  }
  function sortBy(table, th, i) {
    var numeric = th.getAttribute("data-sort") === "num";
    var asc = th.getAttribute("aria-sort") !== "ascending";
    var heads = table.tHead.rows[0].cells;
    for (var k = 0; k < heads.length; k++) { heads[k].removeAttribute("aria-sort"); }
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.forEach(function (r, n) { r._n = n; });
    rows.sort(function (a, b) {
      var x = cellValue(a, i, numeric), y = cellValue(b, i, numeric), c;
      c = numeric ? x - y : x.localeCompare(y, document.documentElement.lang);
      if (c === 0) { c = a._n - b._n; return c; }
      return asc ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  function makeSortable(table) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, i) {
      if (!th.hasAttribute("data-sort")) { return; }
      var b = document.createElement("button");
      b.type = "button";
      while (th.firstChild) { b.appendChild(th.firstChild); }
      th.appendChild(b);
      b.addEventListener("click", function () { sortBy(table, th, i); });
    });
  }
  function makeFilter(input) {
    var table = document.getElementById(input.getAttribute("data-filter"));
    if (!table) { return; }
    var count = document.querySelector('[data-count="' + table.id + '"]');
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    function apply() {
      var q = input.value.trim().toLowerCase(), shown = 0;
      rows.forEach(function (r) {
        var hit = !q || r.textContent.toLowerCase().indexOf(q) !== -1;
        r.hidden = !hit;
        if (hit) { shown++; }
      });
      if (count) { count.textContent = shown + " / " + rows.length; }
    }
    input.addEventListener("input", apply);
    input.closest(".filter").hidden = false;
    apply();
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), makeSortable);
  Array.prototype.forEach.call(document.querySelectorAll("input[data-filter]"), makeFilter);
}());
