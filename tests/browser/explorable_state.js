// The state of one control of a kd-explorable figure and of its frame, after the
// frame image has decoded. Arguments: the figure, the input.kd-control, callback.
const [fig, input, done] = arguments;
(async () => {
  const param = input.getAttribute("data-kd-param") || "";
  const readoutOf = (p, control) => fig.querySelector(`output.kd-value[data-kd-param="${p}"]`)
    || (control.parentElement && control.parentElement.querySelector("output.kd-value"));
  const img = fig.querySelector("img.kd-frame");
  const readout = readoutOf(param, input);
  if (!img || !readout) {
    done({error: !img ? "no img.kd-frame" : `no output.kd-value readout for control ${param}`});
    return;
  }
  let decoded = true;
  if (img.loading === "lazy") img.loading = "eager";  // decode() of a lazy image out of view never settles
  try { await img.decode(); } catch (e) { decoded = false; }
  const src = img.getAttribute("src") || "";
  let h = 2166136261;  // FNV-1a: compare frames without sending data URIs back
  for (let i = 0; i < src.length; i++) { h ^= src.charCodeAt(i); h = Math.imul(h, 16777619); }
  const others = {};
  fig.querySelectorAll("input.kd-control").forEach((other) => {
    if (other === input) return;
    const p = other.getAttribute("data-kd-param") || "";
    const o = readoutOf(p, other);
    others[p] = o ? o.textContent.trim() : "";
  });
  done({
    error: "", param, max: Number(input.max), value: Number(input.value),
    hash: (h >>> 0) + ":" + src.length, key: img.getAttribute("data-kd-key") || "",
    alt: img.getAttribute("alt") || "", readout: readout.textContent.trim(),
    valuetext: input.getAttribute("aria-valuetext") || "", focused: document.activeElement === input,
    decoded: decoded && img.naturalWidth > 0, others,
    live: fig.querySelector("[aria-live]") ? fig.querySelector("[aria-live]").textContent.trim() : null,
  });
})().catch((e) => done({error: "the explorable state script failed: " + e}));
