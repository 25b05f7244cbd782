// The wasm builds Trunk does not make (www/js/wasm-builds.js: relaxed SIMD, scalar), written beside
// Trunk's into the staged site by its post-build hook (finish-site.mjs), release builds only. Each
// is the same crate built with other target features, in its own target folder (so neither
// rebuilds the other's dependencies), then run through the same wasm-bindgen. The glue it writes
// must be Trunk's ptheta.js byte for byte, since the page loads every build through that one
// file: a difference is an error that names it, never a silently mismatched page.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WASM_BUILDS } from '../www/js/wasm-builds.js';

const TARGET = 'wasm32-unknown-unknown';

/** The cargo profile Trunk builds a release with (www/index.html's data-cargo-profile-release). */
function releaseProfile() {
  const profile = /data-cargo-profile-release="([^"]+)"/.exec(readFileSync('www/index.html', 'utf8'))?.[1];
  if (!profile) throw new Error('www/index.html names no data-cargo-profile-release for its rust link');
  return profile;
}

/** .cargo/config.toml's rustflags for the wasm target, less its target features (each build has its own). */
function baseRustflags() {
  const config = readFileSync('.cargo/config.toml', 'utf8');
  const section = config.split(/^\[/m).find((s) => s.startsWith(`target.${TARGET}]`));
  const line = section && /^rustflags\s*=\s*\[(.*)\]\s*$/m.exec(section)?.[1];
  if (!line) throw new Error(`.cargo/config.toml: no rustflags for [target.${TARGET}]`);
  const flags = [...line.matchAll(/"([^"]*)"|'([^']*)'/g)].map((m) => m[1] ?? m[2]);
  const out = [];
  for (let i = 0; i < flags.length; i++) {
    if (flags[i] === '-C' && flags[i + 1]?.startsWith('target-feature=')) i++;
    else out.push(flags[i]);
  }
  return out;
}

/**
 * Builds every build with its own rustflags into `staged` (Trunk's staging folder) as `file`, in
 * the profile Trunk built (`release`: the one index.html names; else dev), then
 * `wasmOpt(file, features)` if given.
 */
export function writeWasmBuilds(staged, { release, wasmOpt }) {
  const glue = readFileSync(join(staged, 'ptheta.js'), 'utf8');
  for (const build of WASM_BUILDS.filter((b) => b.rustflags !== null)) {
    const targetDir = join('target', `wasm-${build.name}`);
    console.error(`wasm-builds: the ${build.name} build (cargo, in ${targetDir})`);
    const profile = release ? releaseProfile() : 'dev';
    execFileSync('cargo', ['build', '--lib', '--profile', profile, '--target', TARGET, '--no-default-features'], {
      stdio: 'inherit',
      // the encoded form takes each flag whole (the getrandom cfg holds quotes)
      env: { ...process.env, CARGO_TARGET_DIR: targetDir, CARGO_ENCODED_RUSTFLAGS: [...baseRustflags(), ...build.rustflags].join('\x1f') },
    });
    const out = mkdtempSync(join(tmpdir(), `ptheta-${build.name}-`));
    try {
      execFileSync('wasm-bindgen', ['--target', 'web', '--out-dir', out, '--out-name', 'ptheta', '--no-typescript',
        join(targetDir, TARGET, profile === 'dev' ? 'debug' : profile, 'ptheta.wasm')], { stdio: 'inherit' });
      const own = readFileSync(join(out, 'ptheta.js'), 'utf8');
      if (own !== glue) {
        const at = [...own].findIndex((c, i) => c !== glue[i]);
        throw new Error(`the ${build.name} build's wasm-bindgen glue differs from Trunk's ptheta.js (first at character ${at}: `
          + `${JSON.stringify(own.slice(at, at + 60))} against ${JSON.stringify(glue.slice(at, at + 60))}), so one ptheta.js cannot load both`);
      }
      const file = join(staged, build.file);
      copyFileSync(join(out, 'ptheta_bg.wasm'), file);
      wasmOpt?.(file, build.wasmOpt);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }
}
