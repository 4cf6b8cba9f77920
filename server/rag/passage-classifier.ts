/**
 * The answer model's passage classifier: which knowledge-base passage a message asks about, as one probability per
 * passage. It is a TF-IDF + multinomial logistic regression fitted on the passages' titles and alternate questions
 * (`models/answer-model/training/fit_passage_classifier.py`), served by the same exact scikit-learn reimplementation as
 * the intent ensemble's linear member (server/nlu/tfidf-linear-model.ts). It sees all passages at once, so it
 * separates siblings (physical vs virtual card, exchange vs card-payment fees) that the retriever and the cross-encoder,
 * which score one passage at a time, confuse. About 0.3 ms per message.
 */
import fs from 'node:fs';
import path from 'node:path';
import { TfidfLinearModel } from '../nlu/tfidf-linear-model.ts';

/** The classifier's view of one message: a probability and a rank per passage. */
export interface PassageBelief {
  /** P(the message asks about this passage); 0 for a passage the classifier does not know. */
  probability(passageId: string): number;
  /** 1-based rank of the passage among all passages (Infinity when unknown). */
  rank(passageId: string): number;
  /** The highest probability of any passage. */
  readonly top: number;
}

/** A loaded passage classifier. */
export class PassageClassifier {
  private readonly index: Map<string, number>;

  private constructor(private readonly model: TfidfLinearModel) {
    this.index = new Map(model.labels.map((id, i) => [id, i]));
  }

  /** Reads `<dir>/passage-classifier.json`; undefined when the folder has none. */
  static load(dir: string): PassageClassifier | undefined {
    const file = path.join(dir, 'passage-classifier.json');
    if (!fs.existsSync(file)) return undefined;
    return new PassageClassifier(TfidfLinearModel.load(file));
  }

  /** The passage ids it knows, in its column order. */
  get passages(): readonly string[] {
    return this.model.labels;
  }

  /** Passage ids of `known` that the classifier was not fitted on (a knowledge base edited since the last refit). */
  missing(known: Iterable<string>): string[] {
    return [...known].filter((id) => !this.index.has(id));
  }

  /** One message's probabilities over all passages. */
  classify(text: string): PassageBelief {
    return beliefOver(this.index, this.model.probabilities([text])[0]!);
  }
}

/** A {@link PassageBelief} over probabilities `p`, column `index.get(id)` per passage. */
export function beliefOver(index: ReadonlyMap<string, number>, p: ArrayLike<number>): PassageBelief {
  let top = 0;
  for (let j = 0; j < p.length; j++) top = Math.max(top, p[j]!);
  return {
    top,
    probability: (id) => {
      const i = index.get(id);
      return i === undefined ? 0 : p[i]!;
    },
    rank: (id) => {
      const i = index.get(id);
      if (i === undefined) return Infinity;
      const own = p[i]!;
      let above = 0;
      for (let j = 0; j < p.length; j++) if (p[j]! > own || (p[j] === own && j < i)) above++;
      return above + 1;
    },
  };
}
