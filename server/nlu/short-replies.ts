/**
 * Short conversational replies ("yup", "okay", "nah", "10-4", "you're right", "cheers") mapped to affirm / deny /
 * thank_you. A classifier trained on banking questions sees too little of these two-word turns to place them reliably
 * (it may call "10-4" out of scope), yet they are what people type between questions; a closed list is exact and free.
 * Only whole messages match, so "yes, my card was stolen" still goes to the classifier.
 */

/** The conversational intent of a short reply. */
export type ShortReplyIntent = 'affirm' | 'deny' | 'thank_you';

const THANKS =
  /^(?:(?:ok(?:ay)?|great|perfect|brilliant|awesome|cool|lovely|nice|super|fab|fantastic|excellent|got it|all good|sorted|that'?s great|that helps|that helped)[\s,!.]*)?(?:thanks|thank you|thank u|thankyou|thanx|thx|ty|tysm|tyvm|cheers|ta|many thanks|thanks a lot|thanks a million|thanks so much|thank you so much|thank you very much|much appreciated|appreciate it|i appreciate it|appreciated|merci)(?:\s+(?:so much|a lot|a bunch|again|mate|very much|for (?:the|your) help|for helping))?$/;
const AFFIRM =
  /^(?:y|yes|yess+|yeah|yeh|yea|yep|yup|ya|yah|sure|sure thing|ok|okay|okey|okie|k|kk|alright|all right|right|correct|exactly|absolutely|definitely|certainly|of course|ofc|indeed|sounds good|sounds great|that'?s right|that is right|that'?s correct|you'?re right|you are right|ur right|right you are|10-4|10 4|ten four|roger|roger that|copy that|affirmative|go ahead|go on|please do|yes please|yes pls|yes thanks|yes thank you|yeah sure|yep sure|fine|fine by me|perfect|great|cool|got it|gotcha|understood|makes sense|true|agreed|deal|do it|let'?s do it|👍|👌|✅)$/;
const DENY =
  /^(?:n|no|nope|nah|naw|nay|no thanks|no thank you|no thx|nah thanks|not really|not now|not yet|negative|not at all|no way|i don'?t think so|don'?t think so|i'?d rather not|rather not|wrong|incorrect|that'?s wrong|that'?s not right|that is not right|not quite|no it'?s not|no it isn'?t|👎|❌)$/;

/** The short reply's intent, or undefined when the message is anything more than a short reply. */
export function shortReplyIntent(text: string): ShortReplyIntent | undefined {
  if (text.length > 60) return undefined;
  const t = text
    .trim()
    .toLowerCase()
    .replace(/[’`]/g, "'")
    .replace(/^(?:um+|uh+|well|hmm+|oh|ah)[,\s]+/, '')
    .replace(/[\s.!?,;:)]+$/u, '')
    .replace(/\s+/g, ' ');
  if (!t) return undefined;
  if (THANKS.test(t)) return 'thank_you';
  if (DENY.test(t)) return 'deny';
  if (AFFIRM.test(t)) return 'affirm';
  return undefined;
}
