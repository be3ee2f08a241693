"""Exchange adapters behind one small async interface: ccxt (live) and paper."""
