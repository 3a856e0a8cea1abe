/** Lowerings of the elementwise op family; each file calls registerLowerings for its ops. */
export {};
