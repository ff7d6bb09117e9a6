#!/usr/bin/env python3
"""check_svg.py SVG FRAME...: a flame graph hawk wrote, rendered by headless Chromium.
Prints what a case can compare exactly: whether each FRAME is a frame of the SVG, whether
the page's script ran in the browser (it writes the frames' labels: the SVG has them empty),
and whether the screenshot is a picture (more than 4 colours), not a blank page."""
import re, shutil, subprocess, sys, tempfile, zlib, struct, os

svg, frames = sys.argv[1], sys.argv[2:]
text = open(svg).read()
titles = re.findall(r"<title>([^<]*) \(\d+ samples", text)
for f in frames:
    print(f"frame {f}: {'yes' if f in titles else 'no'}")

browser = shutil.which("chromium") or shutil.which("chromium-browser")
if not browser:
    print("chromium: not installed (setup.sh installs it)")
    sys.exit(1)
flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
dom = subprocess.run([browser, *flags, "--dump-dom", "file://" + os.path.abspath(svg)],
                     capture_output=True, text=True, timeout=60).stdout
labels = re.findall(r"<text x=\"[0-9.]+\" y=\"[0-9.]+\">([^<]+)</text>", dom)
print("labels drawn by the script: " + ("yes" if all(f in labels for f in frames) else "no"))

# Interaction in the browser: a search for the leaf highlights it and reports its share; a
# zoom into the second frame from the top widens it to the whole width and shows "Reset zoom".
url = "file://" + os.path.abspath(svg)
dom = subprocess.run([browser, *flags, "--dump-dom", url + "#search=^" + frames[0] + "$"],
                     capture_output=True, text=True, timeout=60).stdout
m = re.search(r'id="matched"[^>]*>([^<]*)<', dom)
print("search highlights: " + ("yes" if "rgb(230,0,230)" in dom else "no")
      + ", " + (re.sub(r"[0-9.]+%", "N%", m.group(1)) if m else "no share"))
dom = subprocess.run([browser, *flags, "--dump-dom", url + "#zoom=" + frames[1]],
                     capture_output=True, text=True, timeout=60).stdout
g = re.search(r"<title>" + re.escape(frames[1]) + r" \(.*?</title><rect [^>]*width=\"([0-9.]+)\"", dom)
reset = re.search(r'<text id="reset"[^>]*style="opacity: 1', dom)
print("zoom widens the frame to the page and shows Reset zoom: "
      + ("yes" if g and abs(float(g.group(1)) - 1180) < 1 and reset else "no"))

with tempfile.TemporaryDirectory() as d:
    png = os.path.join(d, "shot.png")
    subprocess.run([browser, *flags, "--screenshot=" + png, "--window-size=1200,400",
                    "file://" + os.path.abspath(svg)], capture_output=True, timeout=60)
    data = open(png, "rb").read()

# The PNG's pixels: IHDR's size, IDAT's zlib stream, one filter byte per row (PNG's five
# filters undone), then the colours of every 8th row's every 5th pixel.
pos, idat, width, height, ctype = 8, b"", 0, 0, 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        width, height, _, ctype = struct.unpack(">IIBB", body[:10])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
bpp = 4 if ctype == 6 else 3
stride = width * bpp
prev = bytearray(stride)
colours = set()
for y in range(height):
    base = y * (stride + 1)
    kind, line = raw[base], bytearray(raw[base + 1:base + 1 + stride])
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if kind == 1:
            line[x] = (line[x] + a) & 255
        elif kind == 2:
            line[x] = (line[x] + b) & 255
        elif kind == 3:
            line[x] = (line[x] + (a + b) // 2) & 255
        elif kind == 4:
            p0 = a + b - c
            pa, pb, pc = abs(p0 - a), abs(p0 - b), abs(p0 - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    if y % 8 == 0:
        for x in range(0, stride, bpp * 5):
            colours.add(bytes(line[x:x + 3]))
    prev = line
print(f"screenshot {width}x{height}: " + ("a picture" if len(colours) > 4 else f"blank ({len(colours)} colours)"))
