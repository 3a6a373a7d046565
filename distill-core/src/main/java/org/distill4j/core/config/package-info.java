/**
 * Configuration: immutable, validated records one-to-one with the JSON/YAML experiment file (TrainingConfig, DistillationConfig, IntermediateMatch), and ConfigIO to read and write them.
 */
package org.distill4j.core.config;
