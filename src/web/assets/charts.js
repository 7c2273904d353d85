// Draws each chart of the page from its Vega-Lite spec (a JSON script element), with Vega's
// expression interpreter: the page's Content-Security-Policy allows no eval.
/* global vegaEmbed */
(function () {
  'use strict';
  window.statusCharts = {};
  for (const element of document.querySelectorAll('.vega-chart')) {
    const spec = JSON.parse(document.getElementById(element.dataset.spec).textContent);
    vegaEmbed(element, spec, {
      renderer: 'svg',
      actions: false,
      ast: true,
      expr: vegaEmbed.expressionInterpreter,
      tooltip: { theme: 'light' },
    })
      .then(function (result) {
        window.statusCharts[element.id] = result.view;
        element.dataset.ready = 'true';
      })
      .catch(function (error) {
        element.dataset.ready = 'error';
        element.textContent = 'The chart could not be drawn: ' + error.message;
      });
  }
})();
