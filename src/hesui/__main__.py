from hesui.cli import main

raise SystemExit(main())
