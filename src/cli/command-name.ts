/**
 * The name users type to run the crawler: the package's bin (`npx coingecko-crawler`, or
 * `npm run crawl --` in a clone). Help, usage lines and hints name commands with it.
 */
export const COMMAND_NAME = 'coingecko-crawler';
