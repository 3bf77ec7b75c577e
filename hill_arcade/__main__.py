from hill_arcade.cli import main

raise SystemExit(main())
