// Behaviour of the owner pages. Scripts come only from files like this one: the Content-Security-Policy
// (script-src 'self') refuses inline scripts and inline event handlers (onclick=…).
"use strict";

// <button data-action="print"> prints the page (the result certificate).
document.addEventListener("click", function (event) {
  var target = event.target instanceof Element ? event.target.closest("[data-action='print']") : null;
  if (target) {
    event.preventDefault();
    window.print();
  }
});
