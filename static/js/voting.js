// Behaviour of the voting pages (loaded by templates/voting/_nav.html). Every page works without it: it only
// keeps the active tab in view and adds the receipt's copy button. No inline script (see gongzhi.js: CSP).
"use strict";

(function () {
  // Centre the active tab inside the horizontally scrolling tab strip; only the strip scrolls, never the page.
  function centreActiveTab() {
    document.querySelectorAll(".v-nav").forEach(function (nav) {
      var active = nav.querySelector("[aria-current='page']");
      if (!active) {
        return;
      }
      var strip = nav.getBoundingClientRect();
      var tab = active.getBoundingClientRect();
      nav.scrollLeft += tab.left + tab.width / 2 - (strip.left + strip.width / 2);
    });
  }

  // Older browsers and plain-http pages have no navigator.clipboard: copy through a hidden textarea.
  function copyWithTextarea(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.top = "0";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    area.setSelectionRange(0, text.length);
    var done = false;
    try {
      done = document.execCommand("copy");
    } catch (e) {
      done = false;
    }
    document.body.removeChild(area);
    return done ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () {
        return copyWithTextarea(text);
      });
    }
    return copyWithTextarea(text);
  }

  function setUpCopyButtons() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var status = button.parentElement.querySelector(".receipt-copied");
        copy(button.getAttribute("data-copy")).then(
          function () {
            if (status) {
              status.textContent = button.getAttribute("data-done");
            }
          },
          function () {
            if (status) {
              status.textContent = button.getAttribute("data-failed");
            }
          }
        );
      });
    });
  }

  function start() {
    centreActiveTab();
    setUpCopyButtons();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
