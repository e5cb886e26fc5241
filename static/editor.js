// Tag suggestions while typing: ask the server for fresh ones, and add one to the tags field on click.
(function () {
  "use strict";
  var form = document.getElementById("article-form");
  if (!form) { return; }
  var body = form.querySelector("[name=body]");
  var tags = form.querySelector("[name=tags]");
  var box = document.getElementById("tag-suggestions");
  var token = form.querySelector("[name=csrf_token]").value;
  var timer = null;

  function currentTags() {
    return tags.value.split(",").map(function (t) { return t.trim().toLowerCase(); }).filter(Boolean);
  }

  function addTag(tag) {
    var existing = tags.value.trim().replace(/,\s*$/, "");
    tags.value = existing ? existing + ", " + tag : tag;
    tags.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function show(suggestions) {
    var taken = currentTags();
    box.textContent = "";
    suggestions = suggestions.filter(function (t) { return taken.indexOf(t.toLowerCase()) === -1; });
    if (!suggestions.length) { return; }
    var hint = document.createElement("p");
    hint.className = "hint";
    hint.textContent = "Suggested tags (click to add):";
    var list = document.createElement("ul");
    suggestions.forEach(function (tag) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "tag-suggestion";
      button.dataset.tag = tag;
      button.textContent = tag;
      item.appendChild(button);
      list.appendChild(item);
    });
    box.appendChild(hint);
    box.appendChild(list);
  }

  function refresh() {
    fetch(form.dataset.suggestUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ body: body.value, tags: tags.value })
    }).then(function (response) {
      return response.ok ? response.json() : { suggestions: [] };
    }).then(function (data) { show(data.suggestions || []); }).catch(function () {});
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 500);
  }

  box.addEventListener("click", function (event) {
    var button = event.target.closest(".tag-suggestion");
    if (!button) { return; }
    addTag(button.dataset.tag);
    button.parentNode.remove();
    if (!box.querySelector(".tag-suggestion")) { box.textContent = ""; }
  });
  body.addEventListener("input", later);
  tags.addEventListener("input", later);
})();
