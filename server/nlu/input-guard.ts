/**
 * Input the assistant cannot understand, recognised before routing: binary-looking text (control characters, encoding
 * debris) and messages in a language other than English. Both get a polite reply instead of a guess, so a message
 * Moneta cannot read never gets an answer (or a citation) it did not earn. Rule-based on purpose: no language
 * identification package is installed, and the decision only has to separate English from the commonest other
 * languages a European bank's customers write in, with no false alarms on English (checked on every question set and
 * BANKING77 test split in test/unit/server/nlu/input-guard.test.ts).
 */

/** Why a message cannot be answered, or undefined when it reads as English text. */
export type InputProblem = 'binary' | 'non_english';

// Words that are common in one of Spanish, French, German, Italian, Portuguese, Dutch and are not English words (or
// English typos) customers write. Ambiguous ones ("die", "was", "also", "come", "son", "me", "no", "in") are left out.
const FOREIGN_WORDS = new Set(
  `el los las del que por para una está estoy estás mi mis tarjeta tarjetas cómo como qué dónde cuándo cuanto cuánto pero muy puedo tengo quiero
  hola gracias cuenta dinero banco transferencia pago porque también nuestra nuestro usted ustedes hacer
  le les des est une je vous pas mon ma mes pour avec où carte compte pourquoi comment bonjour merci qui du au aux cette sont suis nous
  avez ai mais très argent virement paiement peux veux
  der das und ist nicht ich mein meine meinen wie warum wo ein eine einen karte konto bitte danke mit für auf sie wir haben kann geld
  überweisung hallo zahlung warum wann ihr sind bin habe
  il della che sono mia mio perché carta conto grazie ciao di è gli questo questa posso voglio soldi pagamento bonifico
  não meu minha cartão conta obrigado obrigada você onde isso dinheiro pagamento posso quero
  het een niet mijn kaart rekening bedankt hoe waarom ik geen betaling kan wil`
    .split(/\s+/)
    .filter(Boolean),
);

// Common English function words (a message with several of these is English whatever else it contains).
const ENGLISH_WORDS = new Set(
  `the a an and or is are was were be been am i you he she it we they my your our their me him her us them this that these those
  what why how when where who which can could would should will do does did not no yes to of in on at for with from by about
  have has had get got if so but just please thanks thank hi hello hey there here card money account bank transfer payment`
    .split(/\s+/)
    .filter(Boolean),
);

/** Classifies a message (see {@link InputProblem}). Cheap: one pass over at most the first 2,000 characters. */
export function detectInputProblem(text: string): InputProblem | undefined {
  const sample = text.slice(0, 2000);
  if (!sample.trim()) return undefined;
  let control = 0;
  let letters = 0;
  let latin = 0;
  for (const ch of sample) {
    const code = ch.codePointAt(0)!;
    if ((code < 32 && ch !== '\n' && ch !== '\r' && ch !== '\t') || code === 0xfffd || (code >= 0x7f && code < 0xa0) || (code >= 0xe000 && code <= 0xf8ff)) control += 1;
    else if (/\p{L}/u.test(ch)) {
      letters += 1;
      if (/\p{Script=Latin}/u.test(ch)) latin += 1;
    }
  }
  const length = [...sample].length;
  if (control > 0 && (control / length > 0.05 || sample.includes('\u0000'))) return 'binary';
  // A long unbroken run of symbols and digits (base64, hex dumps) with few letters reads as data, not a question.
  if (length >= 40 && !/\s/.test(sample.trim()) && letters / length < 0.5) return 'binary';
  if (letters >= 2 && latin / letters < 0.5) return 'non_english';
  const words = sample.toLowerCase().match(/[\p{L}]+/gu) ?? [];
  let foreign = 0;
  let english = 0;
  for (const w of words) {
    if (ENGLISH_WORDS.has(w)) english += 1;
    else if (FOREIGN_WORDS.has(w)) foreign += 1;
  }
  if (foreign >= 2 && foreign > english) return 'non_english';
  // One-word greetings and thanks in another language ("hola", "merci", "danke").
  if (words.length <= 2 && foreign >= 1 && english === 0 && /^(?:hola|gracias|bonjour|merci|danke|hallo|ciao|grazie|obrigado|obrigada|bedankt)$/.test(words[0] ?? '')) {
    return 'non_english';
  }
  return undefined;
}
