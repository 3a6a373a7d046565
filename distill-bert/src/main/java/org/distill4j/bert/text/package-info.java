/**
 * BERT text processing: {@link org.distill4j.bert.text.Vocabulary} (a {@code vocab.txt}),
 * {@link org.distill4j.bert.text.BasicTokenizer} and {@link org.distill4j.bert.text.WordPieceTokenizer} (ports of
 * Google's {@code tokenization.py} that also track character offsets), and
 * {@link org.distill4j.bert.text.BertTokenizer}, which produces model inputs
 * ({@link org.distill4j.bert.text.Encoding}, {@link org.distill4j.bert.text.EncodedBatch}) with truncation, padding,
 * token type ids and attention masks.
 *
 * <p>Offsets are UTF-16 {@code char} indices into the original Java string, end exclusive.
 */
package org.distill4j.bert.text;
