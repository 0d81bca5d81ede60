// ChainLab widgets for any course page: include this script once and write
//
//   <chainlab-widget kind="nonce-search" difficulty="8" lang="zh"></chainlab-widget>
//
// Each element becomes an iframe of the lab's /embed/<kind> page (its other attributes
// are the widget's settings), sized to its content by the page's resize messages, and
// re-dispatches the widget's progress messages as `chainlab-progress` DOM events.
//
// It is a classic script on purpose: a cross-origin module script would need CORS
// headers from the lab; a classic one works from any course page. It also runs when
// loaded as a module from the same origin.
(() => {
  'use strict';

  const script =
    document.currentScript ?? document.querySelector('script[src*="/static/embed.js"]');
  // The lab is wherever this script came from, so a course page never names it twice.
  const LAB = new URL(script?.src ?? location.href).origin;

  // Attributes that belong to the element, not to the widget.
  const OWN = new Set(['kind', 'title', 'class', 'style', 'id', 'hidden', 'slot', 'tabindex', 'height']);
  const isOwn = (name) => OWN.has(name) || /^(aria-|data-|on)/.test(name);

  // Before the first resize message arrives the frame needs some height; lazily
  // loaded frames below the fold would otherwise have none and never load.
  const INITIAL_HEIGHT = 400;

  class ChainlabWidget extends HTMLElement {
    connectedCallback() {
      if (!this.frame) {
        this.frame = document.createElement('iframe');
        this.frame.loading = 'lazy';
        this.frame.style.cssText = 'display:block;width:100%;border:0;overflow:hidden';
        this.frame.style.height = `${Number(this.getAttribute('height')) || INITIAL_HEIGHT}px`;
        this.append(this.frame);
      }
      if (!this.style.display) this.style.display = 'block';
      this.onMessage = (event) => this.receive(event);
      window.addEventListener('message', this.onMessage);
      this.observer = new MutationObserver(() => this.update());
      this.observer.observe(this, { attributes: true });
      this.update();
    }

    disconnectedCallback() {
      window.removeEventListener('message', this.onMessage);
      this.observer?.disconnect();
    }

    /// The embed URL for the current attributes.
    src() {
      const kind = this.getAttribute('kind') ?? '';
      const url = new URL(`/embed/${encodeURIComponent(kind)}`, LAB);
      for (const { name, value } of this.attributes) {
        if (!isOwn(name)) url.searchParams.set(name, value);
      }
      return url.href;
    }

    /// Reloads the frame only when its URL really changed.
    update() {
      const kind = this.getAttribute('kind') ?? 'widget';
      this.frame.title = this.getAttribute('title') ?? `ChainLab: ${kind}`;
      const src = this.src();
      if (this.frame.src !== src) this.frame.src = src;
    }

    /// Only this element's own frame, served by the lab, may resize it or speak for it.
    receive(event) {
      if (event.origin !== LAB || event.source !== this.frame.contentWindow) return;
      const data = event.data;
      if (data?.type === 'chainlab:resize') {
        const height = Number(data.height);
        if (Number.isFinite(height) && height > 0 && height < 100000) {
          this.frame.style.height = `${Math.ceil(height)}px`;
        }
      } else if (data?.type === 'chainlab:progress') {
        const detail = { widget: data.widget, event: data.event, lang: data.lang };
        this.dispatchEvent(new CustomEvent('chainlab-progress', { detail, bubbles: true, composed: true }));
      }
    }
  }

  if (!customElements.get('chainlab-widget')) {
    customElements.define('chainlab-widget', ChainlabWidget);
  }
})();
