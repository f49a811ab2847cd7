// The browser view's page, script and style, written by this project (no library, no CDN):
// `ViewWriter` writes them as index.html, view.js and view.css beside the data files.
enum ViewAssets {
    /// `index.html`: the grid, frame page and embedding view, shown one at a time.
    static let page = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>orchestrate view</title>
        <link rel="stylesheet" href="view.css">
        <link rel="icon" href="data:,">
        </head>
        <body>
        <header>
          <h1 id="title">Selection run</h1>
          <p id="counts" role="status" aria-live="polite">Loading…</p>
          <nav aria-label="Views">
            <a href="#" id="to-grid">Grid</a>
            <a href="#embedding" id="to-embedding" hidden>Embedding</a>
          </nav>
        </header>
        <div id="status" role="status" aria-live="polite">Loading the run…</div>
        <div id="error" role="alert" hidden></div>
        <form id="controls" aria-label="Filters" hidden>
          <label>Video <select id="filter-video"><option value="">all</option></select></label>
          <label>Selection <select id="filter-selection">
            <option value="">all</option><option value="selected">picked by this run</option>
            <option value="not-selected">not picked by this run</option><option value="datapool">picked by an earlier run</option>
          </select></label>
          <label>Round <select id="filter-round"><option value="">all</option><option value="0">none</option></select></label>
          <label>Ledger <select id="filter-state">
            <option value="">all</option><option value="none">not in the ledger</option><option value="labelled">labelled</option>
            <option value="skipped">skipped</option><option value="rejected">rejected</option>
          </select></label>
          <fieldset id="score-filters"><legend>Score ranges</legend></fieldset>
          <label>Sort <select id="sort"><option value="order">video order</option><option value="pick">pick order</option></select></label>
          <label><input type="checkbox" id="sort-descending"> descending</label>
          <button type="button" id="reset-filters">Reset</button>
        </form>
        <main id="grid-view" hidden>
          <div id="grid" tabindex="0" role="grid" aria-label="Frames (arrow keys move, Enter opens)"><div id="grid-spacer"></div></div>
        </main>
        <section id="frame-view" hidden aria-labelledby="frame-title">
          <p><a href="#" id="back">← Grid</a> <span class="hint">j/k or ←/→: previous/next · Esc: grid</span>
          <span class="hint" id="triage-hint" hidden>· a: accept · r: reject · s: skip (written to the round ledger)</span></p>
          <h2 id="frame-title"></h2>
          <div id="frame-picture"><img id="frame-image" alt=""><canvas id="frame-overlay"></canvas></div>
          <div id="legend" aria-label="Joint confidence colours"></div>
          <div id="strip" aria-label="Neighbouring frames"></div>
          <div id="frame-details">
            <section><h3>Why</h3><ul id="why"></ul></section>
            <section><h3>Scores</h3><table id="frame-scores"></table></section>
            <section><h3>People</h3><table id="people"></table></section>
          </div>
        </section>
        <section id="embedding-view" hidden aria-label="Embedding">
          <p>Colour by <select id="embedding-colour"><option value="selected">selected</option><option value="video">video</option></select>
          <span class="hint">Drag to lasso points.</span> <span id="lasso-count"></span>
          <button type="button" id="lasso-show" hidden>Show in grid</button>
          <span id="tag-controls" hidden><label>Tag name <input id="tag-name" pattern="[A-Za-z0-9_.\-]+"></label>
          <button type="button" id="tag-create">Create tag</button></span></p>
          <canvas id="embedding" width="800" height="600"></canvas>
        </section>
        <script src="view.js"></script>
        </body>
        </html>
        """#

    /// `view.css`.
    static let style = #"""
        :root { --tile-w: 184px; --tile-h: 150px; font-family: system-ui, sans-serif; color: #1b1b1b; background: #fafafa; }
        body { margin: 0; }
        /* The attribute wins over every display rule below: hidden panels stay hidden. */
        [hidden] { display: none !important; }
        header { display: flex; gap: 1.5em; align-items: baseline; padding: .5em 1em; background: #fff; border-bottom: 1px solid #ccc; }
        header h1 { font-size: 1.1em; margin: 0; }
        header p { margin: 0; }
        header nav a { margin-right: 1em; }
        #status { padding: .25em 1em; color: #444; }
        #status:empty { display: none; }
        #error { margin: .5em 1em; padding: .5em; border: 2px solid #d55e00; background: #fff3eb; white-space: pre-wrap; }
        #controls { display: flex; flex-wrap: wrap; gap: .5em 1em; padding: .5em 1em; align-items: center; }
        #controls fieldset { display: flex; flex-wrap: wrap; gap: .25em 1em; border: 1px solid #ccc; padding: .25em .5em; }
        #controls fieldset label input { width: 5em; }
        #grid { position: relative; height: calc(100vh - 190px); overflow-y: auto; outline: none; }
        #grid:focus-visible { box-shadow: inset 0 0 0 3px #0072b2; }
        #grid-spacer { width: 1px; }
        .tile { position: absolute; width: calc(var(--tile-w) - 8px); height: calc(var(--tile-h) - 8px); border: 2px solid transparent; background: #fff; cursor: pointer; }
        .tile.selected { border-color: #0072b2; }
        .tile.focused { outline: 3px solid #e69f00; }
        .tile .picture { position: relative; width: 176px; height: 112px; background: #222; }
        .tile img, .tile canvas { position: absolute; left: 0; top: 0; width: 176px; height: 112px; object-fit: contain; }
        .tile .caption { font-size: 11px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; padding: 1px 2px; }
        .badge { display: inline-block; padding: 0 3px; border-radius: 2px; background: #0072b2; color: #fff; font-size: 11px; }
        .badge.datapool { background: #555; }
        .badge.rejected { background: #d55e00; }
        #frame-view { padding: 0 1em 1em; }
        #frame-picture { position: relative; width: min(100%, 960px); }
        #frame-image { display: block; width: 100%; background: #222; }
        #frame-overlay { position: absolute; left: 0; top: 0; pointer-events: none; }
        #legend span { display: inline-block; margin-right: 1em; font-size: 12px; }
        #legend i { display: inline-block; width: 12px; height: 12px; border-radius: 6px; margin-right: 4px; vertical-align: middle; border: 1px solid #000; }
        #strip { display: flex; gap: 4px; margin: .5em 0; overflow-x: auto; }
        #strip a { position: relative; display: block; width: 120px; height: 76px; border: 2px solid transparent; background: #222; }
        #strip a.current { border-color: #e69f00; }
        #strip img, #strip canvas { position: absolute; left: 0; top: 0; width: 120px; height: 76px; object-fit: contain; }
        #frame-details { display: flex; flex-wrap: wrap; gap: 2em; }
        table { border-collapse: collapse; font-size: 13px; }
        td, th { border-bottom: 1px solid #ddd; padding: 2px 8px; text-align: left; }
        td.number { text-align: right; font-variant-numeric: tabular-nums; }
        .hint { color: #555; font-size: 12px; }
        #embedding { border: 1px solid #ccc; background: #fff; cursor: crosshair; max-width: 100%; }
        """#

    /// `view.js`: loads the data files with `<script>` tags, filters, sorts, draws the skeletons on canvases.
    static let script = #"""
        // The browser view of a selection run, written by `orchestrate view`. Data arrive as script files
        // (data/*.js) calling orchestrateView.receive, so the page works from file:// without fetch.
        "use strict";
        (function () {
          const TILE_W = 184, TILE_H = 150, PICTURE_W = 176, PICTURE_H = 112, NEIGHBOURS = 4;
          // Object shards kept decoded: about 110 KB each (100,000 frames: 200 shards), so scrolling
          // the whole grid need not keep them all; but a screen sorted by a score needs a shard per
          // tile (48), and evicting those would load them again on every scroll.
          const OBJECT_SHARDS_KEPT = 64;
          // Okabe–Ito colours, readable with every common colour-vision deficiency: low → high confidence.
          const CONFIDENCE = [
            { below: 0.2, colour: "#d55e00", label: "< 0.2" }, { below: 0.4, colour: "#e69f00", label: "0.2–0.4" },
            { below: 0.6, colour: "#f0e442", label: "0.4–0.6" }, { below: 0.8, colour: "#56b4e9", label: "0.6–0.8" },
            { below: Infinity, colour: "#0072b2", label: "≥ 0.8" },
          ];
          const VIDEO_COLOURS = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#f0e442", "#000000"];
          const STATUS = ["not picked", "picked", "picked earlier"];
          const $ = (id) => document.getElementById(id);

          const received = {}, loading = {}, objectShardsUsed = [];
          let manifest = null, frames = null, order = [], byName = new Map(), focused = 0, lasso = null;
          // Served by `orchestrate serve`: the ledger's current states, and whether triage may write.
          let session = { served: false, triage: false };

          window.orchestrateView = { receive(name, data) { received[name] = data; } };

          function load(name) {
            if (!loading[name]) {
              loading[name] = new Promise((resolve, reject) => {
                const script = document.createElement("script");
                script.src = "data/" + name + ".js";
                // The data now live in `received`: the element (and its source text) can go.
                script.onload = () => { script.remove(); name in received ? resolve(received[name]) : reject(new Error("data/" + name + ".js holds no view data")); };
                script.onerror = () => reject(new Error("cannot load data/" + name + ".js: is the view folder complete? Re-run `orchestrate view`."));
                document.head.appendChild(script);
              });
            }
            return loading[name];
          }

          function showError(message) {
            const box = $("error");
            box.hidden = false;
            box.textContent += (box.textContent ? "\n" : "") + message;
          }
          window.addEventListener("error", (event) => showError("Error: " + event.message));
          window.addEventListener("unhandledrejection", (event) => showError(String(event.reason && event.reason.message || event.reason)));

          const pad = (n) => String(n).padStart(4, "0");
          const imagePath = (folder, name) => folder + "/" + name.replace(/\.png$/, "").split("/").map(encodeURIComponent).join("/") + ".jpg";
          const confidenceColour = (c) => CONFIDENCE.find((bin) => c < bin.below).colour;
          const format = (v) => v === null || v === undefined || Number.isNaN(v) ? "–" : (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3));

          async function start() {
            manifest = await load("manifest");
            const run = manifest.run;
            document.title = "Run " + run.tag + " — orchestrate view";
            $("title").textContent = "Run " + run.tag + " (round " + run.round + ", " + run.id.slice(0, 12) + ")";
            const shardCount = Math.ceil(manifest.frame_count / manifest.frames_per_shard);
            // The first shard alone first, so that its tiles paint while the other shards load.
            const first = shardCount > 0 ? [await load("frames-" + pad(0))] : [];
            if (shardCount > 1 && !location.hash.slice(1)) preview(first[0]);
            let done = first.length;
            const rest = await Promise.all(Array.from({ length: Math.max(0, shardCount - 1) }, (_, k) => load("frames-" + pad(k + 1)).then((shard) => {
              done += 1;
              $("status").textContent = "Loading frames: " + done + " of " + shardCount + " files";
              return shard;
            })));
            frames = merge(first.concat(rest));
            if (location.protocol.startsWith("http")) await openSession();
            $("status").textContent = "";
            setUpControls();
            $("controls").hidden = false;
            if (manifest.has_embedding) $("to-embedding").hidden = false;
            applyFilters();
            window.addEventListener("hashchange", route);
            route();
          }

          // The grid of the first shard's frames, counted as such, until every shard is in.
          function preview(shard) {
            frames = merge([shard]);
            order = shard.names.map((_, i) => i);
            $("counts").textContent = "Loading: showing the first " + order.length + " of " + manifest.frame_count + " frames";
            $("status").textContent = "Loading frames: 1 of " + Math.ceil(manifest.frame_count / manifest.frames_per_shard) + " files";
            $("grid-view").hidden = false;
            renderGrid(true);
          }

          function merge(shards) {
            const all = { names: [], videos: [], indices: [], statuses: [], picks: [], rounds: [], states: [], objectCounts: [], scores: {} };
            for (const name of manifest.score_names) all.scores[name] = new Float64Array(manifest.frame_count).fill(NaN);
            for (const shard of shards) {
              for (const key of ["names", "videos", "indices", "statuses", "picks", "rounds", "states"]) all[key].push(...shard[key]);
              all.objectCounts.push(...shard.object_counts);
              for (const name of manifest.score_names) {
                const values = shard.scores[name] || [];
                values.forEach((v, i) => { if (v !== null) all.scores[name][shard.first + i] = v; });
              }
            }
            all.names.forEach((name, i) => byName.set(name, i));
            return all;
          }

          // ---- serve mode: the ledger's states now, and triage writes ----
          async function api(path, body) {
            const response = await fetch(path, body ? { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) } : {});
            const answer = await response.json().catch(() => ({ error: "the server's answer is not JSON" }));
            if (!response.ok) throw new Error(path + ": " + (answer.error || response.status));
            return answer;
          }

          async function openSession() {
            const answer = await api("api/session");
            session = { served: true, triage: answer.triage };
            frames.states = frames.names.map((name) => answer.states[name] || "");
            $("triage-hint").hidden = !session.triage;
          }

          async function triage(i, decision) {
            if (!session.triage) {
              $("status").textContent = "Triage is off: start `orchestrate serve PIPELINE --triage` to write decisions.";
              return false;
            }
            const answer = await api("api/triage", { frame: frames.names[i], decision });
            frames.states[i] = answer.state;
            $("status").textContent = frames.names[i] + ": " + (answer.state || "accepted") + " (round ledger)";
            return true;
          }

          // ---- filters and sorting ----
          function setUpControls() {
            const video = $("filter-video");
            manifest.videos.forEach((v, i) => video.add(new Option(v.name, String(i))));
            const rounds = [...new Set(frames.rounds)].filter((r) => r > 0).sort((a, b) => a - b);
            for (const r of rounds) $("filter-round").add(new Option("round " + r, String(r)));
            const fieldset = $("score-filters"), sort = $("sort");
            for (const name of manifest.score_names) {
              const label = document.createElement("label");
              label.textContent = name + " ";
              for (const end of ["min", "max"]) {
                const input = document.createElement("input");
                Object.assign(input, { type: "number", step: "any", id: "score-" + end + "-" + name, placeholder: end });
                input.setAttribute("aria-label", name + " " + end);
                label.appendChild(input);
              }
              fieldset.appendChild(label);
              sort.add(new Option(name, "score:" + name));
            }
            $("controls").addEventListener("input", applyFilters);
            $("controls").addEventListener("submit", (e) => e.preventDefault());
            $("reset-filters").addEventListener("click", () => { $("controls").reset(); lasso = null; applyFilters(); });
          }

          function applyFilters() {
            const video = $("filter-video").value, selection = $("filter-selection").value;
            const round = $("filter-round").value, ledger = $("filter-state").value;
            const ranges = manifest.score_names.map((name) => ({
              values: frames.scores[name],
              min: parseFloat($("score-min-" + name).value), max: parseFloat($("score-max-" + name).value),
            })).filter((r) => !Number.isNaN(r.min) || !Number.isNaN(r.max));
            order = [];
            for (let i = 0; i < frames.names.length; i++) {
              if (video !== "" && frames.videos[i] !== +video) continue;
              const status = frames.statuses[i];
              if (selection === "selected" && status !== 1) continue;
              if (selection === "not-selected" && status === 1) continue;
              if (selection === "datapool" && status !== 2) continue;
              if (round !== "" && frames.rounds[i] !== +round) continue;
              if (ledger === "none" ? frames.states[i] !== "" : ledger !== "" && frames.states[i] !== ledger) continue;
              if (lasso && !lasso.has(i)) continue;
              let inside = true;
              for (const r of ranges) {
                const v = r.values[i];
                if (Number.isNaN(v) || (!Number.isNaN(r.min) && v < r.min) || (!Number.isNaN(r.max) && v > r.max)) { inside = false; break; }
              }
              if (inside) order.push(i);
            }
            const sort = $("sort").value, sign = $("sort-descending").checked ? -1 : 1;
            if (sort === "pick") order.sort((a, b) => sign * ((frames.picks[a] || Infinity) - (frames.picks[b] || Infinity) || a - b));
            else if (sort.startsWith("score:")) {
              const values = frames.scores[sort.slice(6)];
              // Frames without the score go last either way.
              order.sort((a, b) => (Number.isNaN(values[a]) - Number.isNaN(values[b])) || sign * (values[a] - values[b]) || a - b);
            } else if (sign < 0) order.reverse();
            focused = Math.min(focused, Math.max(0, order.length - 1));
            const picked = order.reduce((n, i) => n + (frames.statuses[i] === 1 ? 1 : 0), 0);
            $("counts").textContent = "Showing " + order.length + " of " + frames.names.length + " frames · " + picked + " of them picked by this run"
              + (lasso ? " · lasso: " + lasso.size + " frames" : "");
            $("grid").scrollTop = 0;
            renderGrid(true);
          }

          // ---- grid with virtual scrolling: only the rows on screen exist in the DOM ----
          let columns = 1, frameScheduled = false;
          function renderGrid(force) {
            if ($("grid-view").hidden && !force) return;
            const grid = $("grid");
            columns = Math.max(1, Math.floor(grid.clientWidth / TILE_W));
            const rows = Math.ceil(order.length / columns);
            $("grid-spacer").style.height = rows * TILE_H + "px";
            const first = Math.max(0, Math.floor(grid.scrollTop / TILE_H) - 1);
            const last = Math.min(rows, Math.ceil((grid.scrollTop + grid.clientHeight) / TILE_H) + 1);
            const wanted = new Set();
            for (let p = first * columns; p < Math.min(order.length, last * columns); p++) wanted.add(p);
            for (const tile of [...grid.querySelectorAll(".tile")]) {
              const p = +tile.dataset.position, i = order[p];
              if (!wanted.has(p) || +tile.dataset.index !== i || tile.dataset.state !== frames.states[i]) release(tile); else wanted.delete(p);
            }
            for (const p of wanted) grid.appendChild(makeTile(p));
            for (const tile of grid.querySelectorAll(".tile")) tile.classList.toggle("focused", +tile.dataset.position === focused);
          }
          // Tiles that leave the screen are kept and reused: a new tile per frame scrolled in left
          // garbage (elements, canvases, listeners) that Chromium collected late: 816 MB over the
          // whole grid of 100,000 frames, 95 MB of it live. The pool is as large as a screen.
          const tilePool = [];
          function release(tile) {
            tile.querySelector("img").removeAttribute("src");
            tile.remove();
            tilePool.push(tile);
          }
          function scheduleGrid() {
            if (frameScheduled) return;
            frameScheduled = true;
            requestAnimationFrame(() => { frameScheduled = false; renderGrid(false); });
          }

          function makeTile(position) {
            const tile = tilePool.pop() || newTile(), i = order[position], name = frames.names[i];
            tile.className = "tile" + (frames.statuses[i] === 1 ? " selected" : "");
            tile.dataset.position = position;
            tile.dataset.index = i;
            tile.dataset.frame = name;
            tile.dataset.state = frames.states[i];
            tile.style.left = (position % columns) * TILE_W + "px";
            tile.style.top = Math.floor(position / columns) * TILE_H + "px";
            const img = tile.querySelector("img"), canvas = tile.querySelector("canvas");
            img.alt = name;
            img.src = imagePath("thumbs", name);
            tile.querySelector(".caption").replaceChildren(...badges(i), document.createTextNode(" " + name));
            drawObjectsOf(i, canvas);
            return tile;
          }
          function newTile() {
            const tile = document.createElement("div");
            tile.setAttribute("role", "gridcell");
            const picture = document.createElement("div");
            picture.className = "picture";
            const img = document.createElement("img");
            img.decoding = "async";
            const canvas = document.createElement("canvas");
            canvas.width = PICTURE_W;
            canvas.height = PICTURE_H;
            picture.append(img, canvas);
            const caption = document.createElement("div");
            caption.className = "caption";
            tile.append(picture, caption);
            tile.addEventListener("click", () => { focused = +tile.dataset.position; openFrame(+tile.dataset.index); });
            return tile;
          }

          function badges(i) {
            const result = [];
            const add = (text, kind) => { const b = document.createElement("span"); b.className = "badge " + kind; b.textContent = text; result.push(b); };
            if (frames.statuses[i] === 1) add("#" + frames.picks[i], "picked");
            if (frames.statuses[i] === 2) add("r" + frames.rounds[i], "datapool");
            if (frames.states[i]) add(frames.states[i], frames.states[i]);
            return result;
          }

          // ---- predictions: object shards load on demand ----
          function objectsOf(i) {
            const name = "objects-" + pad(Math.floor(i / manifest.frames_per_object_shard));
            // Least recently used first: forget the oldest shard past OBJECT_SHARDS_KEPT (loaded again when needed).
            const used = objectShardsUsed.indexOf(name);
            if (used >= 0) objectShardsUsed.splice(used, 1);
            objectShardsUsed.push(name);
            while (objectShardsUsed.length > OBJECT_SHARDS_KEPT) {
              const old = objectShardsUsed.shift();
              delete loading[old];
              delete received[old];
            }
            return load(name).then((shard) => peopleOf(decoded(shard), i - shard.first));
          }

          // An object shard's people as 16-bit integers (ViewDataFiles.ObjectShard): per person its
          // box (x, y, width, height in quarter pixels), score (thousandths), joint count, then x, y
          // (quarter pixels) and confidence (thousandths) per joint; -32768 where there is none.
          // Decoded once per load into typed arrays (the text dropped), so a shard is one small
          // block, not thousands of objects the garbage collector must find.
          const ABSENT = -32768;
          function decoded(shard) {
            if (shard.decoded) return shard.decoded;
            const bytes = Uint8Array.from(atob(shard.people), (c) => c.charCodeAt(0));
            const values = new Int16Array(bytes.buffer), starts = [], framePeople = new Int32Array(shard.counts.length + 1);
            let at = 0;
            shard.counts.forEach((count, frame) => {
              framePeople[frame + 1] = framePeople[frame] + count;
              for (let n = 0; n < count; n++) { starts.push(at); at += 6 + 3 * values[at + 5]; }
            });
            shard.decoded = { values, starts: Int32Array.from(starts), framePeople };
            shard.people = shard.counts = null;
            return shard.decoded;
          }
          function peopleOf(shard, frame) {
            const { values: v, starts, framePeople } = shard, people = [];
            for (let p = framePeople[frame]; p < framePeople[frame + 1]; p++) {
              const at = starts[p], keypoints = [];
              for (let j = at + 6; j < at + 6 + 3 * v[at + 5]; j += 3) keypoints.push(v[j] / 4, v[j + 1] / 4, v[j + 2] / 1000);
              people.push({
                bbox: v[at] === ABSENT ? null : [v[at] / 4, v[at + 1] / 4, v[at + 2] / 4, v[at + 3] / 4],
                score: v[at + 4] === ABSENT ? null : v[at + 4] / 1000,
                keypoints,
              });
            }
            return people;
          }

          // Draws frame i's people on the canvas, unless the canvas shows another frame by then (a reused tile's).
          function drawObjectsOf(i, canvas) {
            canvas.dataset.drawing = i;
            delete canvas.dataset.objects;
            delete canvas.dataset.joints;
            canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
            objectsOf(i).then((objects) => {
              if (canvas.dataset.drawing !== String(i)) return;
              const video = manifest.videos[frames.videos[i]];
              drawObjects(canvas.getContext("2d"), objects, fit(video, canvas.width, canvas.height), false);
              canvas.dataset.objects = String(objects.length);
              canvas.dataset.joints = String(objects.reduce((n, o) => n + o.keypoints.length / 3, 0));
            });
          }

          // Where a frame of `video` lands in a box of w × h with object-fit: contain.
          function fit(video, w, h) {
            if (!video.width || !video.height) return { scale: 1, x: 0, y: 0 };
            const scale = Math.min(w / video.width, h / video.height);
            return { scale, x: (w - video.width * scale) / 2, y: (h - video.height * scale) / 2 };
          }

          function drawObjects(context, objects, t, detailed) {
            context.clearRect(0, 0, context.canvas.width, context.canvas.height);
            const radius = detailed ? 4 : 2;
            const at = (x, y) => [t.x + x * t.scale, t.y + y * t.scale];
            objects.forEach((object, number) => {
              if (object.bbox) {
                const [x, y] = at(object.bbox[0], object.bbox[1]);
                context.setLineDash(detailed ? [6, 3] : [3, 2]);
                context.strokeStyle = "#cc79a7";
                context.lineWidth = detailed ? 2 : 1;
                context.strokeRect(x, y, object.bbox[2] * t.scale, object.bbox[3] * t.scale);
                context.setLineDash([]);
                if (detailed) {
                  context.font = "13px system-ui, sans-serif";
                  const text = (number + 1) + ": " + format(object.score);
                  context.fillStyle = "#000";
                  context.fillRect(x, y - 16, context.measureText(text).width + 6, 16);
                  context.fillStyle = "#fff";
                  context.fillText(text, x + 3, y - 4);
                }
              }
              const k = object.keypoints;
              for (const [a, b] of manifest.skeleton) {
                if (3 * Math.max(a, b) + 2 >= k.length || k[3 * a + 2] <= 0 || k[3 * b + 2] <= 0) continue;
                const [x1, y1] = at(k[3 * a], k[3 * a + 1]), [x2, y2] = at(k[3 * b], k[3 * b + 1]);
                context.strokeStyle = "rgba(0,0,0,0.8)";
                context.lineWidth = detailed ? 4 : 2.5;
                context.beginPath(); context.moveTo(x1, y1); context.lineTo(x2, y2); context.stroke();
                context.strokeStyle = "#fff";
                context.lineWidth = detailed ? 2 : 1;
                context.beginPath(); context.moveTo(x1, y1); context.lineTo(x2, y2); context.stroke();
              }
              for (let j = 0; j + 2 < k.length; j += 3) {
                const [x, y] = at(k[j], k[j + 1]);
                context.fillStyle = confidenceColour(k[j + 2]);
                context.strokeStyle = "#000";
                context.lineWidth = 1;
                context.beginPath(); context.arc(x, y, radius, 0, 2 * Math.PI); context.fill(); context.stroke();
              }
            });
          }

          // ---- routing: #frame=NAME, #embedding, else the grid ----
          function route() {
            const hash = location.hash.slice(1);
            $("grid-view").hidden = $("frame-view").hidden = $("embedding-view").hidden = true;
            $("controls").hidden = false;
            if (hash.startsWith("frame=")) {
              const name = decodeURIComponent(hash.slice(6));
              if (byName.has(name)) return showFrame(byName.get(name));
              showError("No frame named '" + name + "' in this run.");
            } else if (hash === "embedding" && manifest.has_embedding) {
              return showEmbedding();
            }
            $("grid-view").hidden = false;
            renderGrid(true);
            moveFocus(0);
            $("grid").focus({ preventScroll: true });
          }

          function openFrame(i) { location.hash = "frame=" + encodeURIComponent(frames.names[i]); }

          function showFrame(i) {
            $("frame-view").hidden = false;
            $("controls").hidden = true;
            const name = frames.names[i], video = manifest.videos[frames.videos[i]];
            const position = order.indexOf(i);
            if (position >= 0) focused = position;
            $("frame-title").textContent = name + " — " + STATUS[frames.statuses[i]]
              + (position >= 0 ? " (" + (position + 1) + " of " + order.length + " shown)" : "");
            const img = $("frame-image"), canvas = $("frame-overlay");
            img.alt = "Frame " + frames.indices[i] + " of " + video.name;
            canvas.dataset.frame = name;
            delete canvas.dataset.objects;
            const draw = () => objectsOf(i).then((objects) => {
              if (canvas.dataset.frame !== name) return;
              canvas.width = img.clientWidth;
              canvas.height = img.clientHeight;
              const t = video.width ? { scale: img.clientWidth / video.width, x: 0, y: 0 } : { scale: 1, x: 0, y: 0 };
              drawObjects(canvas.getContext("2d"), objects, t, true);
              canvas.dataset.objects = String(objects.length);
              canvas.dataset.joints = String(objects.reduce((n, o) => n + o.keypoints.length / 3, 0));
              showPeople(objects);
            });
            img.onload = draw;
            img.onerror = () => showError("cannot load " + imagePath("frames", name) + ": re-run `orchestrate view`.");
            img.src = imagePath("frames", name);
            if (img.complete && img.naturalWidth) draw();
            showLegend();
            showStrip(i);
            showScores(i);
            showWhy(i);
            $("frame-view").focus && window.scrollTo(0, 0);
          }

          function showLegend() {
            const legend = $("legend");
            if (legend.childElementCount) return;
            legend.append("Joint confidence: ");
            for (const bin of CONFIDENCE) {
              const span = document.createElement("span"), dot = document.createElement("i");
              dot.style.background = bin.colour;
              span.append(dot, bin.label);
              legend.append(span);
            }
          }

          function showStrip(i) {
            const strip = $("strip");
            strip.replaceChildren();
            for (let j = i - NEIGHBOURS; j <= i + NEIGHBOURS; j++) {
              if (j < 0 || j >= frames.names.length || frames.videos[j] !== frames.videos[i]) continue;
              const link = document.createElement("a");
              link.href = "#frame=" + encodeURIComponent(frames.names[j]);
              link.title = frames.names[j];
              if (j === i) { link.className = "current"; link.setAttribute("aria-current", "true"); }
              const img = document.createElement("img");
              img.alt = "frame " + frames.indices[j];
              img.src = imagePath("thumbs", frames.names[j]);
              const canvas = document.createElement("canvas");
              canvas.width = 120; canvas.height = 76;
              link.append(img, canvas);
              strip.append(link);
              drawObjectsOf(j, canvas);
            }
          }

          // The percentile rank of v among the frames' values (ties count half).
          function percentile(values, v) {
            let below = 0, equal = 0, count = 0;
            for (const x of values) { if (!Number.isNaN(x)) { count += 1; if (x < v) below += 1; else if (x === v) equal += 1; } }
            return count ? Math.round(100 * (below + equal / 2) / count) : 0;
          }

          function showScores(i) {
            const table = $("frame-scores");
            table.replaceChildren();
            table.insertRow().innerHTML = "<th>score</th><th>value</th><th>percentile among frames</th>";
            for (const name of manifest.score_names) {
              const v = frames.scores[name][i], row = table.insertRow();
              row.insertCell().textContent = name;
              Object.assign(row.insertCell(), { className: "number", textContent: format(v) });
              Object.assign(row.insertCell(), { className: "number", textContent: Number.isNaN(v) ? "–" : String(percentile(frames.scores[name], v)) });
            }
          }

          function showPeople(objects) {
            const table = $("people");
            table.replaceChildren();
            table.insertRow().innerHTML = "<th>#</th><th>score</th><th>mean joint confidence</th><th>joints ≥ 0.5</th><th>box</th>";
            objects.forEach((o, n) => {
              const row = table.insertRow(), confidences = [];
              for (let j = 2; j < o.keypoints.length; j += 3) confidences.push(o.keypoints[j]);
              const mean = confidences.length ? confidences.reduce((a, b) => a + b, 0) / confidences.length : NaN;
              row.insertCell().textContent = String(n + 1);
              Object.assign(row.insertCell(), { className: "number", textContent: format(o.score) });
              Object.assign(row.insertCell(), { className: "number", textContent: format(mean) });
              Object.assign(row.insertCell(), { className: "number", textContent: confidences.filter((c) => c >= 0.5).length + " of " + confidences.length });
              row.insertCell().textContent = o.bbox ? o.bbox.map((v) => v.toFixed(0)).join(", ") : "–";
            });
            if (!objects.length) table.insertRow().insertCell().textContent = "No person predicted.";
          }

          // What the selection can tell about a pick: its strategies and where the frame stands in each.
          function showWhy(i) {
            const list = $("why"), item = (text) => { const li = document.createElement("li"); li.textContent = text; list.append(li); };
            list.replaceChildren();
            const config = manifest.run.selection_config || {}, status = frames.statuses[i];
            if (status === 1) item("Picked #" + frames.picks[i] + " of " + frames.statuses.filter((s) => s === 1).length + " by run " + manifest.run.tag + ".");
            else if (status === 2) item("Picked by an earlier run (round " + frames.rounds[i] + "): in the datapool, not picked again.");
            else item("Not picked by this run.");
            if (frames.states[i]) item("Round ledger: " + frames.states[i] + ".");
            for (const entry of config.strategies || []) {
              const input = entry.input || {}, strategy = entry.strategy || {};
              if (input.type === "SCORES" && frames.scores[input.score]) {
                const v = frames.scores[input.score][i];
                item(strategy.type + " on " + input.score + ": " + format(v) + (Number.isNaN(v) ? "" : ", percentile " + percentile(frames.scores[input.score], v) + " among the frames"));
              } else if (input.type === "EMBEDDINGS") {
                item(strategy.type + " on the " + (input.task || "frame") + " embeddings: picks far apart in the embedding (see the Embedding view); the run does not record per-frame distances.");
              } else if (input.type === "METADATA") {
                const v = frames.videos[i], share = frames.names.reduce((n, _, j) => n + (frames.videos[j] === v && frames.statuses[j] === 1 ? 1 : 0), 0);
                const target = strategy.target && strategy.target[manifest.videos[v].name];
                item(strategy.type + " on " + input.key + ": " + share + " picks from " + manifest.videos[v].name + (target !== undefined ? " (target share " + target + ")" : ""));
              } else {
                item(strategy.type + " on " + (input.type || "input") + ".");
              }
            }
          }

          // ---- embedding: the report's 2-D PCA, with a lasso ----
          let embedding = null;
          async function showEmbedding() {
            $("embedding-view").hidden = false;
            $("controls").hidden = true;
            embedding = embedding || await load("embedding");
            drawEmbedding();
          }

          function embeddingTransform(canvas) {
            const xs = embedding.xs, ys = embedding.ys, margin = 20;
            // Loops, not Math.min(...xs): spreading 100,000 arguments overflows the stack.
            let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
            for (let k = 0; k < xs.length; k++) {
              minX = Math.min(minX, xs[k]); maxX = Math.max(maxX, xs[k]); minY = Math.min(minY, ys[k]); maxY = Math.max(maxY, ys[k]);
            }
            const sx = (canvas.width - 2 * margin) / ((maxX - minX) || 1), sy = (canvas.height - 2 * margin) / ((maxY - minY) || 1);
            return (k) => [margin + (xs[k] - minX) * sx, canvas.height - margin - (ys[k] - minY) * sy];
          }

          function drawEmbedding(path) {
            const canvas = $("embedding"), context = canvas.getContext("2d"), place = embeddingTransform(canvas);
            const by = $("embedding-colour").value;
            context.clearRect(0, 0, canvas.width, canvas.height);
            for (let k = 0; k < embedding.xs.length; k++) {
              const i = embedding.frames[k], [x, y] = place(k);
              context.fillStyle = by === "video" ? VIDEO_COLOURS[frames.videos[i] % VIDEO_COLOURS.length] : frames.statuses[i] === 1 ? "#0072b2" : "#bbbbbb";
              context.fillRect(x - 2, y - 2, 4, 4);
            }
            if (path && path.length > 1) {
              context.strokeStyle = "#d55e00"; context.lineWidth = 2;
              context.beginPath(); context.moveTo(...path[0]); for (const p of path) context.lineTo(...p); context.closePath(); context.stroke();
            }
          }

          function inside(point, polygon) {
            let result = false;
            for (let a = 0, b = polygon.length - 1; a < polygon.length; b = a++) {
              const [xa, ya] = polygon[a], [xb, yb] = polygon[b];
              if ((ya > point[1]) !== (yb > point[1]) && point[0] < (xb - xa) * (point[1] - ya) / (yb - ya) + xa) result = !result;
            }
            return result;
          }

          function setUpLasso() {
            const canvas = $("embedding");
            let path = null;
            const at = (e) => { const r = canvas.getBoundingClientRect(); return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height]; };
            canvas.addEventListener("pointerdown", (e) => { path = [at(e)]; canvas.setPointerCapture(e.pointerId); });
            canvas.addEventListener("pointermove", (e) => { if (path) { path.push(at(e)); drawEmbedding(path); } });
            canvas.addEventListener("pointerup", () => {
              if (!path || path.length < 3) { path = null; return; }
              const place = embeddingTransform(canvas), chosen = new Set();
              for (let k = 0; k < embedding.xs.length; k++) if (inside(place(k), path)) chosen.add(embedding.frames[k]);
              lasso = chosen;
              $("lasso-count").textContent = chosen.size + " frames in the lasso";
              $("lasso-show").hidden = chosen.size === 0;
              $("tag-controls").hidden = chosen.size === 0 || !session.triage;
              path = null;
            });
            $("lasso-show").addEventListener("click", () => { location.hash = ""; applyFilters(); });
            $("tag-create").addEventListener("click", () => {
              const names = [...lasso].sort((a, b) => a - b).map((i) => frames.names[i]);
              api("api/tags", { name: $("tag-name").value, frames: names })
                .then((answer) => { $("lasso-count").textContent = "Tag '" + answer.tag + "' stored with " + answer.frames + " frames (" + answer.run_id + "): export it with tag: " + answer.tag; })
                .catch((error) => showError(error.message));
            });
            $("embedding-colour").addEventListener("input", () => drawEmbedding());
          }

          // ---- keyboard ----
          function moveFocus(delta) {
            if (!order.length) return;
            focused = Math.max(0, Math.min(order.length - 1, focused + delta));
            const grid = $("grid"), top = Math.floor(focused / columns) * TILE_H;
            if (top < grid.scrollTop) grid.scrollTop = top;
            else if (top + TILE_H > grid.scrollTop + grid.clientHeight) grid.scrollTop = top + TILE_H - grid.clientHeight;
            renderGrid(false);
          }

          document.addEventListener("keydown", (e) => {
            if (!frames || e.altKey || e.ctrlKey || e.metaKey) return;
            const target = e.target.tagName;
            if (target === "INPUT" || target === "SELECT" || target === "TEXTAREA") return;
            const decision = { a: "accept", r: "reject", s: "skip" }[e.key];
            if (decision && (!$("frame-view").hidden || !$("grid-view").hidden) && order.length) {
              e.preventDefault();
              const onFrame = !$("frame-view").hidden, i = order[focused];
              triage(i, decision).then((written) => {
                if (!written) return;
                if (onFrame) { showWhy(i); if (focused + 1 < order.length) { focused += 1; openFrame(order[focused]); } }
                else { renderGrid(true); moveFocus(1); }
              }).catch((error) => showError(error.message));
              return;
            }
            if (!$("frame-view").hidden) {
              const step = { j: 1, ArrowRight: 1, ArrowDown: 1, k: -1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
              if (step && order.length) { e.preventDefault(); focused = Math.max(0, Math.min(order.length - 1, focused + step)); openFrame(order[focused]); }
              else if (e.key === "Escape") { e.preventDefault(); location.hash = ""; }
            } else if (!$("grid-view").hidden) {
              const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns, ArrowUp: -columns, PageDown: 4 * columns, PageUp: -4 * columns,
                             Home: -Infinity, End: Infinity, j: 1, k: -1 }[e.key];
              if (step !== undefined) { e.preventDefault(); moveFocus(Number.isFinite(step) ? step : step > 0 ? order.length : -order.length); }
              else if (e.key === "Enter" && order.length) { e.preventDefault(); openFrame(order[focused]); }
            } else if (e.key === "Escape") { location.hash = ""; }
          });

          document.addEventListener("DOMContentLoaded", () => {
            $("grid").addEventListener("scroll", scheduleGrid);
            window.addEventListener("resize", scheduleGrid);
            setUpLasso();
            start().catch((error) => { $("status").textContent = ""; showError(error.message); });
          });
        })();
        """#
}
