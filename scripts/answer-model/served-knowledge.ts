/**
 * The served knowledge base, built exactly as the server builds it (NLU, embedder, index, reranker), for the answer
 * model's export scripts. The answer model itself is left out (`answerModelDir: 'off'`): its files may be mid-refit,
 * so the manifest check is skipped too.
 */
import { buildDefaultDeps } from '../../server/bootstrap.ts';
import { loadConfig, type MonetaConfig } from '../../server/config/index.ts';
import { createSilentLogger } from '../../server/observability/logger.ts';
import type { KnowledgeBase } from '../../server/rag/knowledge-base.ts';
import { KnowledgeSkill } from '../../server/skills/knowledge/knowledge-skill.ts';

/** The loaded dependencies, their knowledge base and config; call `deps.dispose()` when done. */
export async function loadServedKnowledge(): Promise<{ config: MonetaConfig; deps: Awaited<ReturnType<typeof buildDefaultDeps>>; kb: KnowledgeBase }> {
  const config = loadConfig(process.env, { session: { store: 'memory' }, models: { verify: 'off' }, knowledge: { answerModelDir: 'off' } } as never);
  const deps = await buildDefaultDeps(config, createSilentLogger());
  await deps.ready;
  const skill = deps.skills.find((s): s is KnowledgeSkill => s instanceof KnowledgeSkill)!;
  const kb = (await (skill as unknown as { options: { knowledge: Promise<KnowledgeBase> } }).options.knowledge) as KnowledgeBase;
  return { config, deps, kb };
}
