// Behaviour of the complaint pages (loaded by templates/complaints/_nav.html). Every page works without it:
// the filing form's "按类型筛选类别" button re-renders the categories of the chosen kind on the server; here
// they are filtered as soon as a kind is tapped. No inline script (see gongzhi.js: CSP).
"use strict";

(function () {
  function setUpCategoryFilter() {
    var kinds = document.querySelectorAll("#kind-field input[type='radio']");
    var select = document.querySelector("select[name='category']");
    if (!kinds.length || !select) {
      return;
    }
    // Every category is in the page (each option names its kinds); keep them all to re-add on a change.
    var all = Array.prototype.slice.call(select.options);
    function apply() {
      var checked = document.querySelector("#kind-field input[type='radio']:checked");
      var kind = checked ? checked.value : "";
      var current = select.value;
      while (select.options.length) {
        select.remove(0);
      }
      all.forEach(function (option) {
        var its = option.getAttribute("data-kinds");
        var fits = !its || !kind || its.split(" ").indexOf(kind) !== -1;
        if (fits) {
          option.disabled = false;
          option.hidden = false;
          select.add(option);
        }
      });
      select.value = current;
      if (select.value !== current) {
        select.value = "";
      }
    }
    kinds.forEach(function (radio) {
      radio.addEventListener("change", apply);
    });
    document.querySelectorAll(".js-hide").forEach(function (el) {
      el.hidden = true;
    });
    apply();
  }

  // <button data-confirm="…"> asks before submitting (撤回).
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("button[data-confirm]") : null;
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpCategoryFilter);
  } else {
    setUpCategoryFilter();
  }
})();
