// The desk's own few lines (progressive enhancement: every desk page works without them).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-print]").forEach((b) => b.addEventListener("click", () => window.print()));
  // Check-in at the door: the camera reads an attendee's QR code (the browser's own BarcodeDetector,
  // where it has one) into the code field and sends it, as a hand-held scanner typing it would.
  const scan = document.querySelector("[data-scan]");
  if (!scan) return;
  const form = scan.closest("form");
  const field = form.querySelector("input[name=code]");
  const start = document.querySelector("[data-scan-start]");
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) { if (start) start.hidden = true; return; }
  start.hidden = false;
  start.addEventListener("click", async () => {
    const video = document.createElement("video");
    video.setAttribute("playsinline", "");
    video.muted = true;
    scan.replaceChildren(video);
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}});
    } catch (e) { scan.textContent = scan.dataset.denied; return; }
    video.srcObject = stream;
    await video.play();
    const detector = new BarcodeDetector({formats: ["qr_code"]});
    const look = async () => {
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
  });
});
