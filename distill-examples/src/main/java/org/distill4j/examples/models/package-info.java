/** Small models for examples and tests. */
package org.distill4j.examples.models;
