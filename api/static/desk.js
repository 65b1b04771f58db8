// The desk's own few lines (progressive enhancement: every desk page works without them).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-print]").forEach((b) => b.addEventListener("click", () => window.print()));
  // Check-in at the door: the camera reads an attendee's QR code (the browser's own BarcodeDetector,
  // where it has one) into the code field and sends it, as a hand-held scanner typing it would. After
  // each check-in the page comes back scanning, until "stop".
  const scan = document.querySelector("[data-scan]");
  const start = document.querySelector("[data-scan-start]");
  if (!scan || !start || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  const form = scan.closest("form");
  const field = form.querySelector("input[name=code]");
  const KEY = "qihui-door-scanning";
  let stream = null;
  const stop = () => {
    sessionStorage.removeItem(KEY);
    if (stream) stream.getTracks().forEach((t) => t.stop());
    stream = null;
    scan.replaceChildren();
    start.textContent = start.dataset.start;
  };
  const run = async () => {
    const video = document.createElement("video");
    video.setAttribute("playsinline", "");
    video.muted = true;
    scan.replaceChildren(video);
    try {
      stream = await navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}});
    } catch (e) { sessionStorage.removeItem(KEY); scan.textContent = scan.dataset.denied; return; }
    sessionStorage.setItem(KEY, "1");
    start.textContent = start.dataset.stop;
    video.srcObject = stream;
    await video.play();
    const detector = new BarcodeDetector({formats: ["qr_code"]});
    const look = async () => {
      if (!stream) return;
      try {
        const found = await detector.detect(video);
        if (found.length && found[0].rawValue) {
          stream.getTracks().forEach((t) => t.stop());
          field.value = found[0].rawValue;
          form.submit();
          return;
        }
      } catch (e) { /* a frame not ready yet */ }
      requestAnimationFrame(look);
    };
    look();
  };
  start.hidden = false;
  start.dataset.start = start.textContent;
  start.addEventListener("click", () => (stream ? stop() : run()));
  if (sessionStorage.getItem(KEY)) run();
});
