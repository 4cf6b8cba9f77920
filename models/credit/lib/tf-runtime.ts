/**
 * Loads TensorFlow.js once and picks its backend: the native `@tensorflow/tfjs-node` when it is installed (found by a
 * dynamic import, so it stays optional), else WebAssembly, else the pure-JS CPU backend. `preference` overrides the
 * choice (`config.credit.tfBackend`: auto | wasm | cpu | tensorflow).
 */
export type TfModule = typeof import('@tensorflow/tfjs');

/** Backend preference, as in `config.credit.tfBackend`. */
export type TfBackendPreference = 'auto' | 'wasm' | 'cpu' | 'tensorflow';

let loading: Promise<TfModule> | undefined;
let loadedWith: TfBackendPreference | undefined;

async function tryNative(): Promise<boolean> {
  // A variable specifier keeps TypeScript and bundlers from requiring the optional package at build time.
  const specifier = '@tensorflow/tfjs-node';
  try {
    await import(specifier);
    return true;
  } catch {
    return false;
  }
}

async function load(preference: TfBackendPreference): Promise<TfModule> {
  const tf = await import('@tensorflow/tfjs');
  if (preference === 'tensorflow' || preference === 'auto') {
    if ((await tryNative()) && (await tf.setBackend('tensorflow'))) {
      await tf.ready();
      return tf;
    }
    if (preference === 'tensorflow') {
      throw new Error('MONETA_TF_BACKEND=tensorflow needs @tensorflow/tfjs-node, which is not installed; use "auto", "wasm" or "cpu".');
    }
  }
  if (preference === 'wasm' || preference === 'auto') {
    try {
      await import('@tensorflow/tfjs-backend-wasm');
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        return tf;
      }
    } catch (error) {
      if (preference === 'wasm') throw new Error(`The TensorFlow.js wasm backend failed to start: ${(error as Error).message}`, { cause: error });
    }
    if (preference === 'wasm') throw new Error('The TensorFlow.js wasm backend is not available.');
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return tf;
}

/**
 * The TensorFlow.js module with its backend initialised. The first call decides the backend for the process
 * (TensorFlow.js has one global engine); later calls with another preference get the same module.
 */
export function loadTf(preference: TfBackendPreference = 'auto'): Promise<TfModule> {
  if (!loading) {
    loadedWith = preference;
    loading = load(preference).catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
  }
  return loading;
}

/** The preference the running engine was loaded with (undefined before the first `loadTf`). */
export function tfPreferenceInUse(): TfBackendPreference | undefined {
  return loadedWith;
}
