// Streamlit's own widget texts in the user's language; audit/ui/widget_texts.py writes the rules in below.
// Runs in the page itself (st.html with unsafe_allow_javascript). Streamlit runs it again only when its text
// changes (another language): the observer is installed once per page and each run swaps the texts it uses.
(function (config) {
  const state = window.__auditWidgetTexts || (window.__auditWidgetTexts = {});
  const ATTRIBUTES = ["aria-label", "title", "placeholder", "alt"];
  const CAMERA = '[data-testid="stCameraInput"]';
  const CAMERA_BUTTON = '[data-testid="stCameraInputButton"]';

  // Values Streamlit builds into a text, written as the app writes them ("25 MB", "JPG, PNG, HEIC, WebP").
  const FORMAT = {
    size: (v) => v.replace(/^(\d+)\.0(?=\s*[KMG]?B$)/, "$1").replace(/^([\d.]+)\s*([KMG]?B)$/, "$1 $2"),
    types: (v) => {
      const names = v.split(/,\s*/);
      const has = (name) => names.includes(name);
      return names
        .filter((n) => !(n === "JPEG" && has("JPG")) && !(n === "HEIF" && has("HEIC")))
        .map((n) => (n === "WEBP" ? "WebP" : n))
        .join(", ");
    },
  };

  function pattern(template) {
    const parts = template.split(/\{(\w+)\}/);
    let source = "";
    parts.forEach((part, i) => {
      source += i % 2 ? "(?<" + part + ">[\\s\\S]+?)" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    });
    return new RegExp("^" + source + "$");
  }

  // Each rule matches Streamlit's English and the app's text in every language, so a page whose language
  // changes is translated again from whatever it shows now.
  function compile(rules) {
    const exact = new Map();
    const templated = [];
    rules.forEach((rule, order) => {
      const compiled = { ...rule, order };
      for (const template of rule.match) {
        if (/\{\w+\}/.test(template)) templated.push({ rule: compiled, re: pattern(template) });
        else {
          if (!exact.has(template)) exact.set(template, []);
          exact.get(template).push(compiled);
        }
      }
    });
    return { exact, templated };
  }

  function cameraReady(element) {
    const camera = element.closest(CAMERA);
    const video = camera && camera.querySelector("video");
    return !!video && video.readyState >= 2 && video.videoWidth > 0 && !video.paused;
  }

  function fill(template, groups) {
    return template.replace(/\{(\w+)\}/g, (_, name) => (FORMAT[name] || String)((groups || {})[name] || ""));
  }

  // What `raw`, shown inside `element`, becomes: a text, {hide: selector}, or null when it is none of Streamlit's.
  function render(raw, element) {
    const text = raw.trim();
    if (!text || text.length > 400) return null;
    const { exact, templated } = state.compiled;
    const candidates = (exact.get(text) || []).map((rule) => ({ rule, groups: null }));
    // A rule's templates come most specific first ("Limit {size} per file" before "{size} per file"):
    // the first template of a rule that fits is the one read.
    const seen = new Set();
    for (const { rule, re } of templated) {
      if (seen.has(rule.order)) continue;
      const match = re.exec(text);
      if (match) {
        seen.add(rule.order);
        candidates.push({ rule, groups: match.groups });
      }
    }
    candidates.sort((a, b) => a.rule.order - b.rule.order);
    for (const { rule, groups } of candidates) {
      if (rule.within && !element.closest(rule.within)) continue;
      if (rule.hide) return { hide: rule.hide };
      const target = rule.waiting && !cameraReady(element) ? rule.waiting : rule.text;
      return raw.replace(text, fill(target, groups));
    }
    return null;
  }

  // Hidden: the closest element the rule names (a whole code block), else the text's own element.
  function hide(element, selector) {
    const target = (typeof selector === "string" && element.closest(selector)) || element;
    if (target.style.display !== "none") target.style.display = "none";
  }

  function visitText(node) {
    const parent = node.parentElement;
    if (!parent || parent.closest("script, style, textarea, [contenteditable]")) return;
    const result = render(node.data, parent);
    if (result && result.hide) hide(parent, result.hide);
    else if (typeof result === "string" && result !== node.data) node.data = result;
  }

  function visitAttributes(element) {
    for (const name of ATTRIBUTES) {
      const value = element.getAttribute(name);
      if (!value) continue;
      const result = render(value, element);
      if (typeof result === "string" && result !== value) element.setAttribute(name, result);
    }
  }

  function visit(root) {
    if (root.nodeType === Node.TEXT_NODE) return visitText(root);
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    visitAttributes(root);
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.nodeType === Node.TEXT_NODE) visitText(node);
      else visitAttributes(node);
    }
  }

  // The in-page camera: Streamlit enables Take Photo as soon as the camera answers, before the video plays,
  // and a tap then took nothing. The button waits for the first frames and says so meanwhile.
  function holdCameras() {
    for (const camera of document.querySelectorAll(CAMERA)) {
      const button = camera.querySelector(CAMERA_BUTTON);
      if (!button || !camera.querySelector("video")) continue;
      const ready = cameraReady(camera);
      if (!ready && !button.disabled) {
        button.disabled = true;
        button.dataset.auditHeld = "1";
      } else if (ready && button.dataset.auditHeld) {
        delete button.dataset.auditHeld;
        button.disabled = false;
      }
      visit(button);
    }
  }

  // The tablet's own camera, at full resolution, for the boxes the app marks as "take a photo".
  function openDeviceCamera() {
    for (const input of document.querySelectorAll(state.config.deviceCamera + ' input[type="file"]')) {
      if (input.getAttribute("capture") !== "environment") input.setAttribute("capture", "environment");
    }
  }

  function refresh() {
    openDeviceCamera();
    holdCameras();
  }

  state.config = config;
  state.compiled = compile(config.rules);
  document.documentElement.dataset.auditWidgetTexts = config.lang;
  if (!state.observer) {
    state.observer = new MutationObserver((records) => {
      for (const record of records) {
        if (record.type === "characterData") visitText(record.target);
        else if (record.type === "attributes") {
          if (ATTRIBUTES.includes(record.attributeName)) visitAttributes(record.target);
        } else record.addedNodes.forEach(visit);
      }
      refresh();
    });
    state.observer.observe(document.body, {
      childList: true, subtree: true, characterData: true, attributes: true,
      attributeFilter: [...ATTRIBUTES, "disabled"],
    });
    for (const event of ["playing", "loadeddata", "pause", "emptied"]) {
      document.addEventListener(event, (e) => e.target.closest && e.target.closest(CAMERA) && refresh(), true);
    }
  }
  visit(document.body);
  refresh();
})(CONFIG);
