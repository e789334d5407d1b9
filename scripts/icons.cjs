// Generates every application icon from the one source image, resources/icons/icon.png (1024x1024), with
// png2icons: build/icons/icon.icns (macOS; Linux's AppImage and deb sizes are taken from it by electron-builder)
// and build/icons/icon.ico (Windows, NSIS). Run by `npm run dist` (and `npm run icons`); the output is not
// committed. See docs/adr/0011-packaging.md.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const png2icons = require('png2icons');

function generateIcons(root = path.join(__dirname, '..'), outDir = path.join(root, 'build', 'icons')) {
  const source = path.join(root, 'resources', 'icons', 'icon.png');
  if (!fs.existsSync(source)) throw new Error(`the icon source ${source} does not exist`);
  const input = fs.readFileSync(source);
  const icns = png2icons.createICNS(input, png2icons.BICUBIC, 0);
  const ico = png2icons.createICO(input, png2icons.BICUBIC, 0, false, true);
  if (!icns || !ico) throw new Error(`png2icons could not convert ${source} (a square PNG of at least 1024x1024 is needed)`);
  fs.mkdirSync(outDir, { recursive: true });
  const out = { icns: path.join(outDir, 'icon.icns'), ico: path.join(outDir, 'icon.ico'), png: path.join(outDir, 'icon.png') };
  fs.writeFileSync(out.icns, icns);
  fs.writeFileSync(out.ico, ico);
  fs.copyFileSync(source, out.png);
  return out;
}

module.exports = { generateIcons };

if (require.main === module) {
  const out = generateIcons();
  console.log(
    `icons: ${Object.values(out)
      .map((f) => `${path.relative(process.cwd(), f)} (${fs.statSync(f).size} B)`)
      .join(', ')}`,
  );
}
