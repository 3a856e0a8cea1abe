/** Lowerings of the image op family; each file calls registerLowerings for its ops. */
export {};
