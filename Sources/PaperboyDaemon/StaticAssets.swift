/// The reader's pages' stylesheet and script, served by the public endpoint
/// at `/static/paperboy.css` and `/static/paperboy.js` (same origin: the
/// Content-Security-Policy allows nothing else). The pages work without the
/// script; it only prefills the time zone from the browser and sends a
/// feedback page's one button press by itself.
enum StaticAssets {
    /// The path under the public endpoint (and `base_url`) both are served at.
    static let prefix = "/static/"

    /// File name → (content type, text).
    static let files: [String: (contentType: String, text: String)] = [
        "paperboy.css": ("text/css; charset=utf-8", css),
        "paperboy.js": ("text/javascript; charset=utf-8", script),
    ]

    static let css = """
    *,*::before,*::after{box-sizing:border-box}
    html{-webkit-text-size-adjust:100%}
    body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.5;color:#1f2328;background:#f6f8fa}
    main{max-width:40rem;margin:0 auto;padding:1.5rem 1rem 3rem;background:#fff;min-height:100vh}
    h1{font-size:1.6rem;line-height:1.25;margin:0 0 1rem}
    h2{font-size:1.2rem;margin:2rem 0 .75rem}
    a{color:#0969da}
    p{margin:0 0 1rem;overflow-wrap:anywhere}
    code{font-size:.9em;background:#f6f8fa;padding:0 .2em;border-radius:3px}
    .field{margin:0 0 1rem}
    label{display:block;font-weight:600;margin:0 0 .25rem}
    .check{display:flex;align-items:center;gap:.5rem;margin:.25rem 0}
    .check label{font-weight:400;margin:0}
    input[type=email],input[type=text],input[type=number],input[type=time],select,textarea{width:100%;max-width:100%;font:inherit;padding:.5rem;border:1px solid #8c959f;border-radius:6px;background:#fff;color:inherit}
    fieldset{border:1px solid #d0d7de;border-radius:6px;margin:0 0 1rem;padding:.75rem 1rem;min-width:0}
    legend{font-weight:600;padding:0 .25rem}
    button{font:inherit;font-weight:600;padding:.6rem 1.2rem;border-radius:6px;border:1px solid #1a7f37;background:#1f883d;color:#fff;cursor:pointer;margin:0 .5rem .5rem 0}
    button.secondary{background:#f6f8fa;color:#1f2328;border-color:#8c959f}
    button.danger{background:#fff;color:#cf222e;border-color:#cf222e}
    .buttons{margin:1.5rem 0 0}
    .help,.muted{color:#59636e;font-size:.9rem;margin:.25rem 0 0}
    .error{color:#cf222e;font-weight:600;margin:.25rem 0 0}
    p.error[role=alert]{margin:0 0 1rem}
    .notice{background:#dafbe1;border:1px solid #1a7f37;border-radius:6px;padding:.5rem .75rem}
    .trap{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}
    .papers{padding-left:1.5rem}
    .papers li{margin:0 0 .75rem}
    .paper-title{font-weight:600;margin:0}
    .papers .muted{margin:0}
    form.inline{display:flex;flex-wrap:wrap}

    """

    static let script = """
    "use strict";
    // Paperboy's reader pages work without this script. With it, the subscribe
    // page's time zone starts at the browser's own, and a feedback page's one
    // button is pressed by itself (a GET of the page never changes anything).
    document.addEventListener("DOMContentLoaded", function () {
      var zone = document.querySelector("select[data-prefill=browser]");
      if (zone) {
        try {
          var name = Intl.DateTimeFormat().resolvedOptions().timeZone;
          for (var i = 0; name && i < zone.options.length; i++) {
            if (zone.options[i].value === name) { zone.selectedIndex = i; break; }
          }
        } catch (e) { /* keep the server's choice */ }
      }
      var form = document.querySelector("form[data-autosubmit=on]");
      if (form) { form.submit(); }
    });

    """
}
