/**
 * The inference pool's tasks (worker side): load a model folder once per thread, run forward passes on it. The
 * sessions are kept for the thread's lifetime (the inference pool's threads do not idle out), keyed by folder, file
 * and thread count.
 */
import { ModelNotReadyError } from '../errors.ts';
import { loadLocalModel, runLocal, type ModelSpec, type PlainTensor } from './model-session.ts';

const sessions = new Map<string, ReturnType<typeof loadLocalModel>>();

const keyOf = (spec: ModelSpec): string => `${spec.dir}\u0000${spec.dtype}\u0000${spec.threads}`;

function session(spec: ModelSpec): ReturnType<typeof loadLocalModel> {
  const key = keyOf(spec);
  let loading = sessions.get(key);
  if (!loading) {
    loading = loadLocalModel(spec).catch((error: unknown) => {
      sessions.delete(key);
      throw new ModelNotReadyError(`Could not load the model in ${spec.dir} in the inference worker: ${(error as Error).message}`, { cause: error });
    });
    sessions.set(key, loading);
  }
  return loading;
}

/** `model.load`: loads the folder in this thread (a broken folder fails here, at start-up). */
export async function loadModelTask(spec: ModelSpec): Promise<null> {
  await session(spec);
  return null;
}

/** `model.forward`: one forward pass on the folder's session (loaded on first use in a new thread). */
export async function forwardTask(input: { model: ModelSpec; inputs: Record<string, PlainTensor> }): Promise<Record<string, PlainTensor | undefined>> {
  return runLocal(await session(input.model), input.inputs);
}
