/**
 * KD and intermediate-feature losses as SameDiff ops, with TextBrewer's masking rules; SdMath holds the building blocks that avoid SameDiff M2.1's defective ops.
 */
package org.distill4j.core.loss;
