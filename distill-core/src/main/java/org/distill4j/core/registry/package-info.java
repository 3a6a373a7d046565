/**
 * Named registries: every loss, projection, schedule and optimizer name in a configuration resolves here; users register their own entries by name.
 */
package org.distill4j.core.registry;
