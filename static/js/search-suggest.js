// Suggestions as you type for the search box (optional: the form works without it).
// Lists live page titles that start with the typed text, from /search/suggest/.
(function () {
  "use strict";
  var input = document.querySelector("input[data-suggest-url]");
  if (!input || !window.fetch) return;
  var list = document.createElement("datalist");
  list.id = "search-suggestions";
  input.setAttribute("list", list.id);
  input.parentNode.appendChild(list);
  var timer = null;
  var latest = "";

  function show(items) {
    list.replaceChildren();
    items.forEach(function (item) {
      var option = document.createElement("option");
      option.value = item.title; // textContent-style: never parsed as HTML
      list.appendChild(option);
    });
  }

  input.addEventListener("input", function () {
    var text = input.value.trim();
    window.clearTimeout(timer);
    if (text.length < 2) { show([]); return; }
    timer = window.setTimeout(function () {
      latest = text;
      var url = input.dataset.suggestUrl + "?q=" + encodeURIComponent(text);
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (data) { if (text === latest) show(data.suggestions || []); })
        .catch(function () { show([]); });
    }, 150);
  });
})();
