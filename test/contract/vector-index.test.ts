/** Runs the VectorIndex contract suite against both implementations. */
import { BruteForceVectorIndex, HnswVectorIndex } from '../../server/rag/vector-index.ts';
import { describeVectorIndex } from './vector-index.contract.ts';

describeVectorIndex('BruteForceVectorIndex', (o) => new BruteForceVectorIndex(o));
// A deliberately small initial capacity so the contract's growth case exercises resizeIndex.
describeVectorIndex('HnswVectorIndex', (o) => new HnswVectorIndex({ ...o, maxElements: 16 }));
